import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { LedgerStoreError } from '../errors.js';
import { batchWriteAll } from './dynamodb-writes.js';
import { CreateTableCommand, DescribeTableCommand, ResourceInUseException, DeleteTableCommand, type CreateTableCommandInput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** The scope index (layout 4): every item of a scope, read by Query (see index-keys.ts). */
export const SCOPE_INDEX = 'byScope';

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
    AttributeDefinitions: [s('pk'), s('sk'), s('g1pk'), s('g1sk'), s('g2pk'), s('g2sk'), s('g3pk'), s('g3sk'), s('g4pk'), s('g4sk')],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    GlobalSecondaryIndexes: [index('byRepository', 'g1pk', 'g1sk'), index('byFamily', 'g2pk', 'g2sk'), index('forSweep', 'g3pk', 'g3sk'), index(SCOPE_INDEX, 'g4pk', 'g4sk')],
  };
}

/** Creates the ledger table unless it exists (the embedded engine; on AWS the deployment owns the table). */
export async function ensureLedgerTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new CreateTableCommand(ledgerTableDefinition(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  const Table = await activeTable(client, tableName);
  const indexes = new Set((Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
  const definition = ledgerTableDefinition(tableName);
  const missing = (definition.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName!).filter((name) => !indexes.has(name));
  if (missing.length > 0) {
    throw new LedgerStoreError(`the ledger table ${tableName} was created by an older ecr-ledger (no index ${missing.join(', ')}): remove its directory and reconcile again`);
  }
}

/** The table's description once it is ACTIVE (a table being created refuses every item request). */
async function activeTable(client: DynamoDBClient, tableName: string) {
  for (let attempt = 0; ; attempt += 1) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE' || attempt >= 200) return Table;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Whether the table exists, and with which indexes. */
async function indexesOf(client: DynamoDBClient, tableName: string): Promise<Set<string> | undefined> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return new Set((Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName!));
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

/**
 * The embedded ledger's table, with every index this version reads. The embedded engine cannot add an index to a table,
 * so a table of an earlier version (no scope index) is copied, item for item, into `{name}-4` and then removed: a crash
 * in between leaves the old table whole, and the next start copies again (a copy writes the same items). The layout
 * upgrade (`ecr-ledger upgrade`) then fills the scope index in. Returns the table's name.
 */
export async function openEmbeddedLedgerTable(client: DynamoDBClient, tableName: string): Promise<string> {
  const copy = `${tableName}-4`;
  const old = await indexesOf(client, tableName);
  if (old === undefined && (await indexesOf(client, copy)) !== undefined) return copy;
  if (old === undefined || old.has(SCOPE_INDEX)) {
    await ensureLedgerTable(client, tableName);
    return tableName;
  }
  await ensureLedgerTable(client, copy);
  const doc = DynamoDBDocumentClient.from(client);
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }));
    await batchWriteAll(doc, copy, (page.Items ?? []).map((Item) => ({ PutRequest: { Item } })));
    start = page.LastEvaluatedKey;
  } while (start);
  await client.send(new DeleteTableCommand({ TableName: tableName }));
  return copy;
}
