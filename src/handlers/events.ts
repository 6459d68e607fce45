import { AwsCaller } from '../adapters/aws/caller.js';
import { LiveLookups } from '../adapters/aws/lookups.js';
import { restoringIn } from './undo.js';
import { outsideDeletions } from '../app/undo/outside-deletion.js';
import { alerts } from './alerts.js';
import { environment, log } from './environment.js';
import { createEventHandler } from './event-handler.js';
import { deployedOrganization } from './organization.js';

const { ledger, config, clients } = environment();
const caller = new AwsCaller();
const organization = deployedOrganization(config);
const home = { accountId: process.env.HOME_ACCOUNT_ID ?? '', region: process.env.AWS_REGION ?? '' };
const tell = alerts(config, 'events');
// The functions that restore on use are told the repositories they may restore in (the stack's managedRepositories).
const restoring = restoringIn(home, { config, ledger, clients: () => clients, tell: tell.restored });

/**
 * The Lambda entry point for EventBridge events (ECR, ECS and CloudTrail API calls), from this account or forwarded
 * by members to the central bus: an organisation's events are applied in their own scope, looked up through the
 * member's reader role, and refused when the config does not name their account and region.
 */
export const handler = createEventHandler({
  ledger: ledger.events, config, log: (level, message, fields) => log(level, message, fields),
  deletions: outsideDeletions({ index: () => ledger.usageIndex(), store: ledger.sweep, config, tell: tell.deleted }),
  ...(restoring && { archived: { index: () => ledger.usageIndex(), restore: restoring } }),
  lookupsFor: (scope) => organization ? organization.lookups(scope, (m) => log('warn', m)) : new LiveLookups(clients, caller, scope, (m) => log('warn', m)),
  ...(organization && { admits: organization.admits }),
});
