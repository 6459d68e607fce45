import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { deliverAlert } from '../adapters/aws/notice-channels.js';
import { inUseDeletionText, outsideDeletions, type InUseDeletion } from '../app/undo/outside-deletion.js';
import { AwsCaller } from '../adapters/aws/caller.js';
import { LiveLookups } from '../adapters/aws/lookups.js';
import { environment, log } from './environment.js';
import { createEventHandler } from './event-handler.js';
import { deployedOrganization } from './organization.js';

const { ledger, config, clients } = environment();
const caller = new AwsCaller();
const organization = deployedOrganization(config);

/**
 * The Lambda entry point for EventBridge events (ECR, ECS and CloudTrail API calls), from this account or forwarded
 * by members to the central bus: an organisation's events are applied in their own scope, looked up through the
 * member's reader role, and refused when the config does not name their account and region.
 */
const topicArn = process.env.NOTICE_TOPIC_ARN;
const metrics = new Metrics({ namespace: 'ecr-ledger', serviceName: 'events' });

/** An image in use that ECR deleted (a lifecycle rule, a person): the alarm's metric, the log, the topic and the webhook. */
const tell = async (deletion: InUseDeletion) => {
  const text = inUseDeletionText(deletion);
  log('error', 'in-use image deleted outside ecr-ledger', { eventId: deletion.eventId, image: `${deletion.image.repositoryName}@${deletion.image.imageDigest}`, usedBy: deletion.usedBy.map((r) => `${r.kind} ${r.id}`), text });
  metrics.addMetric('InUseImageDeleted', MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
  const channels = {
    ...(topicArn && { sns: { client: new SNSClient({}), topicArn } }),
    ...(config.notice?.webhookParameter && { webhook: { client: new SSMClient({}), parameterName: config.notice.webhookParameter } }),
  };
  for (const failed of (await deliverAlert(channels, 'an image in use was deleted outside ecr-ledger', text)).filter((d) => !d.ok)) log('warn', 'alert not delivered', { channel: failed.channel, reason: failed.error });
};

export const handler = createEventHandler({
  ledger: ledger.events, config, log: (level, message, fields) => log(level, message, fields),
  deletions: outsideDeletions({ index: () => ledger.usageIndex(), store: ledger.sweep, config, tell }),
  lookupsFor: (scope) => organization ? organization.lookups(scope, (m) => log('warn', m)) : new LiveLookups(clients, caller, scope, (m) => log('warn', m)),
  ...(organization && { admits: organization.admits }),
});
