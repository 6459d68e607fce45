import { systemClock } from '../system-clock.js';
import { randomUUID } from 'node:crypto';
import { AwsCaller } from '../adapters/aws/caller.js';
import { LiveAccountReader } from '../adapters/aws/account-reader.js';
import { LiveSweepAws } from '../adapters/aws/sweep-aws.js';
import { EksClusters } from '../adapters/aws/eks-clusters.js';
import { purgeRepository } from '../app/sweep/purge.js';
import { environment, log } from './environment.js';
import { createPurgeResourceHandler, putResponse } from './purge-resource.js';

const { ledger, config, clients } = environment();
const reader = new LiveAccountReader(clients, { scope: config.scope, clock: systemClock });

/** The Lambda entry point of the purge-repository custom resource. */
export const handler = createPurgeResourceHandler({
  log, respond: putResponse,
  purge: async (repositoryName) => {
    const scope = await reader.scope();
    const facts = (await ledger.scopes()).some((s) => s.accountId === scope.accountId && s.region === scope.region) ? (await ledger.load(scope)).facts : undefined;
    return purgeRepository({
      aws: new LiveSweepAws(clients, new AwsCaller(), scope, config, systemClock), config, clock: systemClock,
      ...(config.eks.clusters.length > 0 && { clusters: new EksClusters(clients, new AwsCaller(), config.eks.clusters) }),
      ...(facts && { ledger: { facts, store: ledger.sweep, events: ledger.events, index: ledger.usageIndex() } }),
    }, scope, repositoryName, { dryRun: false, runId: randomUUID() });
  },
});
