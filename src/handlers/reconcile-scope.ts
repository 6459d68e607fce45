import { Metrics } from '@aws-lambda-powertools/metrics';
import { systemClock } from '../system-clock.js';
import { AwsCaller } from '../adapters/aws/caller.js';
import { LiveAccountReader } from '../adapters/aws/account-reader.js';
import { parseWorkItem } from '../adapters/aws/work-queue.js';
import { regionProber } from '../adapters/aws/region-probe.js';
import { ConfigError } from '../errors.js';
import { reconcileClusters } from '../app/clusters.js';
import { EksClusters } from '../adapters/aws/eks-clusters.js';
import type { ImageFact, Scope } from '../domain/facts.js';
import { environment, log } from './environment.js';
import { createScopeWorker } from './organization-handlers.js';
import { deployedOrganization } from './organization.js';
import { alerts } from './alerts.js';
import { restoreArchivedInUse } from '../app/undo/reconcile-restore.js';
import { restoringIn } from './undo.js';

const { ledger, config } = environment();
const organization = deployedOrganization(config);
if (!organization) throw new ConfigError('reconcileScope runs only for an organisation-wide deployment (config `organization`)');
// Restore on use in the central registry only (a member's reader role may not restore): elsewhere it is told.
const restoring = restoringIn(organization.home, { config, ledger, clients: (registry) => organization.clients(registry), tell: alerts(config, 'reconcile').restored });

/** The Lambda entry point of one scope of the organisation's reconcile (an SQS work item). */
export const handler = createScopeWorker({
  // The same service as the single account's reconcile: one ReconcileNotFinished alarm counts both.
  metrics: new Metrics({ namespace: 'ecr-ledger', serviceName: 'reconcile' }),
  ledger, config, log, clock: systemClock, parse: parseWorkItem,
  ...(config.eks.clusters.length > 0 && {
    clusters: async (scope: Scope, at: string) => reconcileClusters({ reports: ledger.reports, events: ledger.events, index: ledger.usageIndex(), clusters: new EksClusters(await organization.clients(scope), new AwsCaller(), config.eks.clusters) }, scope, at),
  }),
  ...(restoring && { restoreInUse: async (scope: Scope, archived: readonly ImageFact[]) => restoreArchivedInUse({ ...restoring, index: ledger.usageIndex() }, scope, archived) }),
  probeRegions: regionProber({ from: organization.home.region, caller: new AwsCaller(), now: systemClock, scope: config.scope, clientsIn: (accountId, region) => organization.clients({ accountId, region }) }),
  readerFor: async (scope, stopAt) => new LiveAccountReader(await organization.clients(scope), { scope: config.scope, evidence: config.evidence, clock: systemClock, caller: new AwsCaller({ stopAt }) }),
});
