import { AwsCaller } from '../adapters/aws/caller.js';
import { LiveAccountReader } from '../adapters/aws/account-reader.js';
import { environment, log } from './environment.js';
import { createReconcileHandler } from './scheduled-handlers.js';

const { ledger, config, clients } = environment();

/** The Lambda entry point of the scheduled daily reconcile. */
export const handler = createReconcileHandler({
  ledger, config, log,
  upgradeLayout: () => ledger.layout.upgrade(),
  reader: (stopAt) => new LiveAccountReader(clients, { scope: config.scope, clock: () => new Date(), caller: new AwsCaller({ stopAt }) }),
});
