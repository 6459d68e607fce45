import { Metrics } from '@aws-lambda-powertools/metrics';
import { AwsCaller } from '../adapters/aws/caller.js';
import { LiveAccountReader } from '../adapters/aws/account-reader.js';
import { LiveSweepAws } from '../adapters/aws/sweep-aws.js';
import { loadOtherScopes } from '../app/ledger-view.js';
import type { Scope } from '../domain/facts.js';
import { environment, log } from './environment.js';
import { createSweepHandler } from './scheduled-handlers.js';

const { ledger, config, clients } = environment();
const reader = new LiveAccountReader(clients, { scope: config.scope, clock: () => new Date() });
let scope: Scope | undefined;

/** The Lambda entry point of the nightly sweep. It deletes only when `DRY_RUN` is exactly "false". */
export const handler = createSweepHandler({
  store: ledger.sweep, events: ledger.events, config, log,
  scope: async () => (scope ??= await reader.scope()),
  others: async (runScope) => (await loadOtherScopes(ledger, runScope)).scopes.map((s) => s.facts),
  aws: (runScope) => new LiveSweepAws(clients, new AwsCaller(), runScope, config),
  dryRun: process.env.DRY_RUN !== 'false',
  metrics: new Metrics({ namespace: 'ecr-ledger', serviceName: 'sweep' }),
});
