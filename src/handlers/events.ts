import { AwsCaller } from '../adapters/aws/caller.js';
import { LiveLookups } from '../adapters/aws/lookups.js';
import { environment, log } from './environment.js';
import { createEventHandler } from './event-handler.js';

const { ledger, config, clients } = environment();
const caller = new AwsCaller();

/** The Lambda entry point for EventBridge events (ECR, ECS and CloudTrail API calls). */
export const handler = createEventHandler({
  ledger: ledger.events, config, log: (level, message, fields) => log(level, message, fields),
  lookupsFor: (scope) => new LiveLookups(clients, caller, scope, (m) => log('warn', m)),
});
