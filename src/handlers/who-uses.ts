import { systemClock } from '../system-clock.js';
import { ConfigError } from '../errors.js';
import { environment, log } from './environment.js';
import { createWhoUsesHttpHandler } from './who-uses-http.js';

const { ledger, config } = environment();
const accountId = process.env.ACCOUNT_ID;
const region = process.env.AWS_REGION;
if (!accountId || !region) throw new ConfigError('ACCOUNT_ID and AWS_REGION must be set: the deployment sets them');

/** The Lambda entry point of the IAM-authenticated who-uses function URL. */
export const handler = createWhoUsesHttpHandler({ index: () => ledger.usageIndex(), config, home: { accountId, region }, clock: systemClock, log });
