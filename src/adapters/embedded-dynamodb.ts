import type { RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { LedgerStoreError } from '../errors.js';
import { InProcessHttpHandler } from './in-process-http.js';
import { claimLedgerDirectory } from './ledger-directory.js';
import { openEmbeddedLedgerTable } from './ledger-table.js';

export const EMBEDDED_TABLE = 'ecr-ledger';

export interface EmbeddedDynamoDb {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  close(): Promise<void>;
}

/**
 * Starts the embedded DynamoDB-compatible engine (dynalite) in this process on 127.0.0.1, with the ledger
 * table created. `dir` persists it on disk (one process at a time; unless `create`, it must already hold a ledger);
 * without it the ledger lives in memory.
 */
export async function startEmbeddedDynamoDb(dir?: string, options: { create: boolean } = { create: true }): Promise<EmbeddedDynamoDb> {
  const release = dir === undefined ? async () => undefined : await claimLedgerDirectory(dir, options);
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(dir && { path: dir }) });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  } catch (cause) {
    await release();
    throw new LedgerStoreError(`cannot start the embedded ledger${dir ? ` in ${dir}` : ''}: ${(cause as Error).message}`, { cause });
  }
  const { port } = server.address() as AddressInfo;
  // Explicit endpoint, region and credentials: AWS_ENDPOINT_URL and profiles must not redirect the local ledger.
  // This process's requests go to the engine in process (no socket); other processes reach it on its port.
  const listener = server.listeners('request')[0] as RequestListener;
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'embedded', secretAccessKey: 'embedded' }, maxAttempts: 3,
    requestHandler: new InProcessHttpHandler(listener),
  });
  const close = async () => {
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await release();
  };
  let tableName: string;
  try {
    tableName = await openEmbeddedLedgerTable(client, EMBEDDED_TABLE);
  } catch (cause) {
    await close();
    throw new LedgerStoreError(`cannot open the embedded ledger${dir ? ` in ${dir}` : ''}: ${(cause as Error).message}`, { cause });
  }
  return { client, tableName, close };
}
