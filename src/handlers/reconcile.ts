import { Metrics } from '@aws-lambda-powertools/metrics';
import { systemClock } from '../system-clock.js';
import { SQSClient } from '@aws-sdk/client-sqs';
import { AwsCaller } from '../adapters/aws/caller.js';
import { LiveAccountReader } from '../adapters/aws/account-reader.js';
import { enqueueScopes } from '../adapters/aws/work-queue.js';
import { createAwsClients, type AwsClients } from '../adapters/aws/clients.js';
import { regionProber } from '../adapters/aws/region-probe.js';
import { ConfigError } from '../errors.js';
import { reconcileClusters } from '../app/clusters.js';
import { EksClusters } from '../adapters/aws/eks-clusters.js';
import type { ImageFact, Scope } from '../domain/facts.js';
import { environment, log } from './environment.js';
import { createFanOutHandler } from './organization-handlers.js';
import { deployedOrganization } from './organization.js';
import { alerts } from './alerts.js';
import { outsideDeletions } from '../app/undo/outside-deletion.js';
import { restoreArchivedInUse } from '../app/undo/reconcile-restore.js';
import { restoringIn } from './undo.js';
import { createReconcileHandler } from './scheduled-handlers.js';

const { ledger, config, clients } = environment();
const organization = deployedOrganization(config);
const regionClients = new Map<string, AwsClients>();
const home = { accountId: process.env.HOME_ACCOUNT_ID ?? '', region: process.env.AWS_REGION ?? '' };
const restoring = restoringIn(home, { config, ledger, clients: () => clients, tell: alerts(config, 'reconcile').restored });

/**
 * The Lambda entry point of the scheduled daily reconcile. For one account it reconciles that account; for an
 * organisation it fans out one work item per account and region onto the work queue (reconcileScope takes them).
 */
export const handler = organization
  ? createFanOutHandler({
    log, upgradeLayout: () => ledger.layout.upgradeForStack(systemClock().toISOString()),
    scopes: () => organization.allScopes(),
    enqueue: (scopes, runId) => {
      const queueUrl = process.env.RECONCILE_QUEUE_URL;
      if (!queueUrl) throw new ConfigError('RECONCILE_QUEUE_URL is not set: the deployment names the reconcile work queue');
      return enqueueScopes(new SQSClient({}), queueUrl, scopes, runId);
    },
  })
  : createReconcileHandler({
    ledger, config, log, clock: systemClock, metrics: new Metrics({ namespace: 'ecr-ledger', serviceName: 'reconcile' }),
    deletions: outsideDeletions({ index: () => ledger.usageIndex(), store: ledger.sweep, config, tell: alerts(config, 'reconcile').deleted }),
    ...(config.eks.clusters.length > 0 && {
      clusters: (scope: Scope, at: string) => reconcileClusters({ reports: ledger.reports, events: ledger.events, index: ledger.usageIndex(), clusters: new EksClusters(clients, new AwsCaller(), config.eks.clusters) }, scope, at),
    }),
    upgradeLayout: () => ledger.layout.upgradeForStack(systemClock().toISOString()),
    ...(restoring && { restoreInUse: (scope: Scope, archived: readonly ImageFact[]) => restoreArchivedInUse({ ...restoring, index: ledger.usageIndex() }, scope, archived) }),
    probeRegions: regionProber({
      from: process.env.AWS_REGION ?? 'us-east-1', caller: new AwsCaller(), now: systemClock, scope: config.scope,
      clientsIn: (_account, region) => (region === process.env.AWS_REGION ? clients : regionClients.get(region) ?? regionClients.set(region, createAwsClients({ region })).get(region)!),
    }),
    reader: (stopAt) => new LiveAccountReader(clients, { scope: config.scope, evidence: config.evidence, clock: systemClock, caller: new AwsCaller({ stopAt }) }),
  });
