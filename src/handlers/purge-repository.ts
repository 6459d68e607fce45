import { systemClock } from '../system-clock.js';
import { randomUUID } from 'node:crypto';
import { AwsCaller } from '../adapters/aws/caller.js';
import { LiveAccountReader } from '../adapters/aws/account-reader.js';
import { LiveSweepAws } from '../adapters/aws/sweep-aws.js';
import { EksClusters } from '../adapters/aws/eks-clusters.js';
import { purgeRepository } from '../app/sweep/purge.js';
import { environment, log } from './environment.js';
import { createPurgeResourceHandler, putResponse } from './purge-resource.js';
import { deployedOrganization } from './organization.js';

const { ledger, config, clients } = environment();
const reader = new LiveAccountReader(clients, { scope: config.scope, clock: systemClock });
const organization = deployedOrganization(config);

/** The Lambda entry point of the purge-repository custom resource. */
export const handler = createPurgeResourceHandler({
  log, respond: putResponse,
  purge: async (repositoryName) => {
    const scope = await reader.scope();
    // The ledger always judges, also when it does not hold this scope: its other scopes, region probes and pins count.
    const held = await ledger.load(scope);
    return purgeRepository({
      aws: new LiveSweepAws(clients, new AwsCaller(), scope, config, systemClock), config, clock: systemClock,
      ...(config.eks.clusters.length > 0 && { clusters: new EksClusters(clients, new AwsCaller(), config.eks.clusters) }),
      ledger: { facts: held.facts, history: held.history, store: ledger.sweep, events: ledger.events, index: ledger.usageIndex(), announcements: ledger.announcements },
      // Organisation-wide, the members that can pull from the repository are read live, as the sweep reads them.
      ...(organization && { members: organization }),
    }, scope, repositoryName, { dryRun: false, runId: randomUUID() });
  },
});
