import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createAwsClients, type AwsClients } from '../adapters/aws/clients.js';
import { DynamoDbLedger } from '../adapters/dynamodb-ledger.js';
import { defaultConfig, parseConfig, type Config } from '../config.js';
import { ConfigError } from '../errors.js';
import type { Log } from './scheduled-handlers.js';

/** Structured log lines (one JSON object each), as CloudWatch Logs Insights reads them. */
export const log: Log = (level, message, fields = {}) => {
  if (level === 'debug' && process.env.LOG_LEVEL !== 'DEBUG') return;
  console.log(JSON.stringify({ level, message, ...fields }));
};

/** What every handler reads from its environment: the ledger table (`LEDGER_TABLE`) and the config (`ECR_LEDGER_CONFIG`, JSON). */
export function environment(): { ledger: DynamoDbLedger; config: Config; clients: AwsClients } {
  const table = process.env.LEDGER_TABLE;
  if (!table) throw new ConfigError('LEDGER_TABLE is not set: the deployment names the ledger table');
  let config = defaultConfig();
  if (process.env.ECR_LEDGER_CONFIG) {
    let raw: unknown;
    try {
      raw = JSON.parse(process.env.ECR_LEDGER_CONFIG);
    } catch (error) {
      throw new ConfigError(`ECR_LEDGER_CONFIG: not JSON (${(error as Error).message})`);
    }
    config = parseConfig(raw, 'ECR_LEDGER_CONFIG');
  }
  return { ledger: new DynamoDbLedger(new DynamoDBClient({ retryMode: 'adaptive' }), table), config, clients: createAwsClients({}) };
}
