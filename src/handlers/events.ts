import { systemClock } from '../system-clock.js';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { deliverAlert } from '../adapters/aws/notice-channels.js';
import { LiveSweepAws } from '../adapters/aws/sweep-aws.js';
import { inUseDeletionText, outsideDeletions, type InUseDeletion } from '../app/undo/outside-deletion.js';
import { restoredOnUseText, type RestoredOnUse } from '../app/undo/restore-on-use.js';
import { AwsCaller } from '../adapters/aws/caller.js';
import { LiveLookups } from '../adapters/aws/lookups.js';
import { managedRepositories } from '../domain/managed-repositories.js';
import { environment, log } from './environment.js';
import { createEventHandler } from './event-handler.js';
import { deployedOrganization } from './organization.js';

const { ledger, config, clients } = environment();
const caller = new AwsCaller();
const organization = deployedOrganization(config);
const topicArn = process.env.NOTICE_TOPIC_ARN;
const metrics = new Metrics({ namespace: 'ecr-ledger', serviceName: 'events' });
const home = { accountId: process.env.HOME_ACCOUNT_ID ?? '', region: process.env.AWS_REGION ?? '' };
// The functions that restore on use are told the repositories they may restore in (the stack's managedRepositories).
const managed = process.env.MANAGED_REPOSITORIES ? managedRepositories(process.env.MANAGED_REPOSITORIES) : undefined;

/** An alert to the stack's topic and the notice's webhook; a channel that fails is logged. */
async function alert(subject: string, text: string): Promise<void> {
  const channels = {
    ...(topicArn && { sns: { client: new SNSClient({}), topicArn } }),
    ...(config.notice?.webhookParameter && { webhook: { client: new SSMClient({}), parameterName: config.notice.webhookParameter } }),
  };
  for (const failed of (await deliverAlert(channels, subject, text)).filter((d) => !d.ok)) log('warn', 'alert not delivered', { channel: failed.channel, reason: failed.error });
}

/** An image in use that ECR deleted (a lifecycle rule, a person): the alarm's metric, the log, the topic and the webhook. */
async function tellDeleted(deletion: InUseDeletion): Promise<void> {
  const text = inUseDeletionText(deletion);
  log('error', 'in-use image deleted outside ecr-ledger', { eventId: deletion.eventId, image: `${deletion.image.repositoryName}@${deletion.image.imageDigest}`, usedBy: deletion.usedBy.map((r) => `${r.kind} ${r.id}`), text });
  metrics.addMetric('InUseImageDeleted', MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
  await alert('an image in use was deleted outside ecr-ledger', text);
}

/** Archived images a change refers to: restored (or not, and why), counted, logged, told. */
async function tellRestored(found: readonly RestoredOnUse[]): Promise<void> {
  const lines = found.map(restoredOnUseText);
  log('warn', 'archived images in use', { images: lines });
  metrics.addMetric('ImagesRestoredOnUse', MetricUnit.Count, found.filter((f) => f.outcome === 'restored').length);
  metrics.publishStoredMetrics();
  await alert(`${found.length} archived image(s) in use`, lines.join('\n'));
}

/**
 * The Lambda entry point for EventBridge events (ECR, ECS and CloudTrail API calls), from this account or forwarded
 * by members to the central bus: an organisation's events are applied in their own scope, looked up through the
 * member's reader role, and refused when the config does not name their account and region.
 */
export const handler = createEventHandler({
  ledger: ledger.events, config, log: (level, message, fields) => log(level, message, fields),
  deletions: outsideDeletions({ index: () => ledger.usageIndex(), store: ledger.sweep, config, tell: tellDeleted }),
  ...(managed && {
    archived: {
      index: () => ledger.usageIndex(),
      restore: {
        config, clock: systemClock, managed, store: ledger.sweep, tell: tellRestored,
        restorer: (registry) => (registry.accountId === home.accountId && registry.region === home.region ? new LiveSweepAws(clients, caller, registry, config, systemClock) : undefined),
      },
    },
  }),
  lookupsFor: (scope) => organization ? organization.lookups(scope, (m) => log('warn', m)) : new LiveLookups(clients, caller, scope, (m) => log('warn', m)),
  ...(organization && { admits: organization.admits }),
});
