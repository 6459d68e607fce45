import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AwsCaller } from '../adapters/aws/caller.js';
import { createAwsClients } from '../adapters/aws/clients.js';
import { LiveLookups } from '../adapters/aws/lookups.js';
import { DynamoDbLedger } from '../adapters/dynamodb-ledger.js';
import { defaultConfig, parseConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import { createEventHandler, type EventHandlerDeps } from './event-handler.js';

/** Structured log lines (one JSON object each), as CloudWatch Logs Insights reads them. */
function log(level: 'debug' | 'info' | 'warn', message: string, fields: Record<string, unknown> = {}): void {
  if (level === 'debug' && process.env.LOG_LEVEL !== 'DEBUG') return;
  console.log(JSON.stringify({ level, message, ...fields }));
}

function environment(): EventHandlerDeps {
  const table = process.env.LEDGER_TABLE;
  if (!table) throw new ConfigError('LEDGER_TABLE is not set: the deployment names the ledger table');
  let config = defaultConfig();
  if (process.env.ECR_LEDGER_CONFIG) {
    try {
      config = parseConfig(JSON.parse(process.env.ECR_LEDGER_CONFIG), 'ECR_LEDGER_CONFIG');
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      throw new ConfigError(`ECR_LEDGER_CONFIG: not JSON (${(error as Error).message})`);
    }
  }
  const ledger = new DynamoDbLedger(new DynamoDBClient({ retryMode: 'adaptive' }), table);
  const clients = createAwsClients({});
  const caller = new AwsCaller();
  return { ledger: ledger.events, config, log, lookupsFor: (scope) => new LiveLookups(clients, caller, scope, (m) => log('warn', m)) };
}

/** The Lambda entry point for EventBridge events (ECR, ECS and CloudTrail API calls). */
export const handler = createEventHandler(environment());
