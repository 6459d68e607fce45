import { AwsCaller } from '../adapters/aws/caller.js';
import { LiveAccountReader } from '../adapters/aws/account-reader.js';
import { parseWorkItem } from '../adapters/aws/work-queue.js';
import { ConfigError } from '../errors.js';
import { environment, log } from './environment.js';
import { createScopeWorker } from './organization-handlers.js';
import { deployedOrganization } from './organization.js';

const { ledger, config } = environment();
const organization = deployedOrganization(config);
if (!organization) throw new ConfigError('reconcileScope runs only for an organisation-wide deployment (config `organization`)');

/** The Lambda entry point of one scope of the organisation's reconcile (an SQS work item). */
export const handler = createScopeWorker({
  ledger, config, log, parse: parseWorkItem,
  readerFor: async (scope, stopAt) => new LiveAccountReader(await organization.clients(scope), { scope: config.scope, evidence: config.evidence, clock: () => new Date(), caller: new AwsCaller({ stopAt }) }),
});
