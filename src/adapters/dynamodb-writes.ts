import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inParallel } from '../concurrency.js';
import { LedgerStoreError } from '../errors.js';

export type WriteRequest = { PutRequest: { Item: Record<string, unknown> } } | { DeleteRequest: { Key: Record<string, unknown> } };

const BATCH = 25;
const MAX_UNPROCESSED_RETRIES = 8;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export { inParallel } from '../concurrency.js';

/** Unconditional writes in batches of 25, unprocessed items retried with back-off; one table. */
export async function batchWriteAll(doc: DynamoDBDocumentClient, tableName: string, requests: readonly WriteRequest[], parallel = 1): Promise<void> {
  const batches: WriteRequest[][] = [];
  for (let i = 0; i < requests.length; i += BATCH) batches.push(requests.slice(i, i + BATCH));
  await inParallel(batches, parallel, async (batch) => {
    let pending = batch;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt > MAX_UNPROCESSED_RETRIES) throw new LedgerStoreError(`ledger table ${tableName}: ${pending.length} writes stayed unprocessed after ${MAX_UNPROCESSED_RETRIES} retries`);
      if (attempt > 0) await sleep(Math.min(2_000, 50 * 2 ** attempt));
      const result = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending as never } }));
      pending = (result.UnprocessedItems?.[tableName] ?? []) as WriteRequest[];
    }
  });
}
