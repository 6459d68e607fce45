import { systemClock } from '../system-clock.js';
import { LiveSweepAws } from '../adapters/aws/sweep-aws.js';
import { AwsCaller } from '../adapters/aws/caller.js';
import { LiveLookups } from '../adapters/aws/lookups.js';
import { managedRepositories } from '../domain/managed-repositories.js';
import { outsideDeletions } from '../app/undo/outside-deletion.js';
import { alerts } from './alerts.js';
import { environment, log } from './environment.js';
import { createEventHandler } from './event-handler.js';
import { deployedOrganization } from './organization.js';

const { ledger, config, clients } = environment();
const caller = new AwsCaller();
const organization = deployedOrganization(config);
const home = { accountId: process.env.HOME_ACCOUNT_ID ?? '', region: process.env.AWS_REGION ?? '' };
// The functions that restore on use are told the repositories they may restore in (the stack's managedRepositories).
const managed = process.env.MANAGED_REPOSITORIES ? managedRepositories(process.env.MANAGED_REPOSITORIES) : undefined;
const tell = alerts(config, 'events');

/**
 * The Lambda entry point for EventBridge events (ECR, ECS and CloudTrail API calls), from this account or forwarded
 * by members to the central bus: an organisation's events are applied in their own scope, looked up through the
 * member's reader role, and refused when the config does not name their account and region.
 */
export const handler = createEventHandler({
  ledger: ledger.events, config, log: (level, message, fields) => log(level, message, fields),
  deletions: outsideDeletions({ index: () => ledger.usageIndex(), store: ledger.sweep, config, tell: tell.deleted }),
  ...(managed && {
    archived: {
      index: () => ledger.usageIndex(),
      restore: {
        config, clock: systemClock, managed, store: ledger.sweep, tell: tell.restored,
        restorer: (registry) => (registry.accountId === home.accountId && registry.region === home.region ? new LiveSweepAws(clients, caller, registry, config, systemClock) : undefined),
      },
    },
  }),
  lookupsFor: (scope) => organization ? organization.lookups(scope, (m) => log('warn', m)) : new LiveLookups(clients, caller, scope, (m) => log('warn', m)),
  ...(organization && { admits: organization.admits }),
});
