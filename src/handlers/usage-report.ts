import { systemClock } from '../system-clock.js';
import { ConfigError } from '../errors.js';
import { environment, log } from './environment.js';
import { createUsageReportHandler } from './usage-report-http.js';

const { ledger } = environment();
const accountId = process.env.HOME_ACCOUNT_ID;
const region = process.env.AWS_REGION;
if (!accountId || !region) throw new ConfigError('HOME_ACCOUNT_ID and AWS_REGION must be set: the deployment sets them');

/** The Lambda entry point of the IAM-authenticated usage-report function URL (`report-usage --url`). */
export const handler = createUsageReportHandler({ reports: ledger.reports, events: ledger.events, index: ledger.usageIndex(), home: { accountId, region }, clock: systemClock, log });
