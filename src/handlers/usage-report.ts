import { systemClock } from '../system-clock.js';
import { ConfigError } from '../errors.js';
import { archivedReferences, restoreOnUse } from '../app/undo/restore-on-use.js';
import { alerts } from './alerts.js';
import { environment, log } from './environment.js';
import { restoringIn } from './undo.js';
import { createUsageReportHandler } from './usage-report-http.js';

const { ledger, config, clients } = environment();
const accountId = process.env.HOME_ACCOUNT_ID;
const region = process.env.AWS_REGION;
if (!accountId || !region) throw new ConfigError('HOME_ACCOUNT_ID and AWS_REGION must be set: the deployment sets them');
const home = { accountId, region };
const restoring = restoringIn(home, { config, ledger, clients: () => clients, tell: alerts(config, 'usageReports').restored });

/** The Lambda entry point of the IAM-authenticated usage-report function URL (`report-usage --url`). */
export const handler = createUsageReportHandler({
  reports: ledger.reports, events: ledger.events, index: ledger.usageIndex(), home, clock: systemClock, log, config,
  // Restore on use: an archived image the source runs now is restored (or told).
  ...(restoring && { reported: async (scope, images) => restoreOnUse(restoring, await archivedReferences(ledger.usageIndex(), scope, images.map((fact) => ({ kind: 'reported-image', fact })))) }),
});
