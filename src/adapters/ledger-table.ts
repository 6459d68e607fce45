import { LedgerStoreError } from '../errors.js';
import { CreateTableCommand, DescribeTableCommand, ResourceInUseException, type CreateTableCommandInput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** The ledger table's key schema and indexes; serverless.yml declares the same for AWS. */
export function ledgerTableDefinition(tableName: string): CreateTableCommandInput {
  const s = (name: string) => ({ AttributeName: name, AttributeType: 'S' as const });
  const index = (name: string, pk: string, sk: string) => ({
    IndexName: name,
    KeySchema: [{ AttributeName: pk, KeyType: 'HASH' as const }, { AttributeName: sk, KeyType: 'RANGE' as const }],
    Projection: { ProjectionType: 'ALL' as const },
  });
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [s('pk'), s('sk'), s('g1pk'), s('g1sk'), s('g2pk'), s('g2sk'), s('g3pk'), s('g3sk')],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    GlobalSecondaryIndexes: [index('byRepository', 'g1pk', 'g1sk'), index('byFamily', 'g2pk', 'g2sk'), index('forSweep', 'g3pk', 'g3sk')],
  };
}

/** Creates the ledger table unless it exists (the embedded engine; on AWS the deployment owns the table). */
export async function ensureLedgerTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new CreateTableCommand(ledgerTableDefinition(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const indexes = new Set((Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
  const missing = (ledgerTableDefinition(tableName).GlobalSecondaryIndexes ?? []).map((i) => i.IndexName!).filter((name) => !indexes.has(name));
  if (missing.length > 0) {
    throw new LedgerStoreError(`the ledger table ${tableName} was created by an older ecr-ledger (no index ${missing.join(', ')}): remove its directory and reconcile again`);
  }
}
