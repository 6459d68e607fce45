import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DeployedSettings, DeployedSettingsStore } from '../app/stack/deployed-settings.js';
import { guarded } from './ledger-guard.js';

/** One item: `DEPLOYED` / `sweep`, replaced at each scheduled run of the deployed sweep. */
const KEY = { pk: 'DEPLOYED', sk: 'sweep' };

export class DynamoDbDeployedSettings implements DeployedSettingsStore {
  constructor(private readonly doc: DynamoDBDocumentClient, private readonly tableName: string) {}

  async record(settings: DeployedSettings): Promise<void> {
    await guarded(this.tableName, 'recording the deployed settings', () => this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...KEY, settings } })));
  }

  async read(): Promise<DeployedSettings | undefined> {
    return guarded(this.tableName, 'reading the deployed settings', async () => (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: KEY, ConsistentRead: true }))).Item?.settings as DeployedSettings | undefined);
  }
}
