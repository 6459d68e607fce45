import { systemClock } from '../system-clock.js';
import { ConfigError } from '../errors.js';
import { environment, log } from './environment.js';
import { alerts } from './alerts.js';
import { AwsCaller } from '../adapters/aws/caller.js';
import { LiveSweepAws } from '../adapters/aws/sweep-aws.js';
import { archivedReferences, restoreOnUse } from '../app/undo/restore-on-use.js';
import { managedRepositories } from '../domain/managed-repositories.js';
import type { Scope } from '../domain/facts.js';
import { createUsageReportHandler } from './usage-report-http.js';

const { ledger, config, clients } = environment();
const accountId = process.env.HOME_ACCOUNT_ID;
const region = process.env.AWS_REGION;
if (!accountId || !region) throw new ConfigError('HOME_ACCOUNT_ID and AWS_REGION must be set: the deployment sets them');

/** The Lambda entry point of the IAM-authenticated usage-report function URL (`report-usage --url`). */
const managed = process.env.MANAGED_REPOSITORIES ? managedRepositories(process.env.MANAGED_REPOSITORIES) : undefined;
const tell = alerts(config, 'usageReports');
const home = { accountId, region };

export const handler = createUsageReportHandler({
  reports: ledger.reports, events: ledger.events, index: ledger.usageIndex(), home, clock: systemClock, log,
  ...(managed && {
    restoreInUse: async (scope: Scope, written: ReadonlyArray<{ kind: string; fact: object }>) => restoreOnUse({
      config, clock: systemClock, managed, store: ledger.sweep, tell: tell.restored,
      restorer: (registry) => (registry.accountId === home.accountId && registry.region === home.region ? new LiveSweepAws(clients, new AwsCaller(), registry, config, systemClock) : undefined),
    }, await archivedReferences(ledger.usageIndex(), scope, written)),
  }),
});
