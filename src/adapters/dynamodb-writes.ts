import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LedgerStoreError } from '../errors.js';

export type WriteRequest = { PutRequest: { Item: Record<string, unknown> } } | { DeleteRequest: { Key: Record<string, unknown> } };

const BATCH = 25;
const MAX_UNPROCESSED_RETRIES = 8;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` over `items`, at most `limit` at a time. After a failure no new work starts, and the first error is
 * thrown only once the work in flight has settled: a caller that then closes its client (or the embedded engine)
 * sees the real error, not one from requests still running into the shutdown.
 */
export async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: { error: unknown } | undefined;
  const worker = async () => {
    while (!failed && next < items.length) {
      try {
        await work(items[next++]!);
      } catch (error) {
        failed ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed) throw failed.error;
}

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
