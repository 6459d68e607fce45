import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RunImage, RunLog, RunNotes, RunSummary } from '../app/sweep/run-log.js';
import type { Scope } from '../domain/facts.js';
import { chunks } from '../domain/chunks.js';
import { queryAll } from './dynamodb-query.js';
import { batchWriteAll } from './dynamodb-writes.js';
import { scopeId } from './index-keys.js';

/** The runs of a scope, by start time: `RUNS#{scope}` / `{startedAt}#{runId}` (the summary). */
const listPk = (scope: Scope) => `RUNS#${scopeId(scope)}`;
/** One run: `RUN#{runId}` / `S` (the summary) and `images#0000`… (its images, 200 an item: an item holds at most 400 KB). */
const runPk = (runId: string) => `RUN#${runId}`;
const IMAGES_PER_ITEM = 200;

/** The sweep's run log in the ledger table; items expire with the audit trail (`ttl`). */
export class DynamoDbRunLog implements RunLog {
  constructor(private readonly doc: DynamoDBDocumentClient, private readonly tableName: string) {}

  async recordRun(summary: RunSummary, images: readonly RunImage[], expiresAt: string): Promise<void> {
    const ttl = Math.floor(Date.parse(expiresAt) / 1000);
    const keep = { expiresAt, ttl };
    await batchWriteAll(this.doc, this.tableName, [
      ...chunks(images, IMAGES_PER_ITEM).map((part, n) => ({ PutRequest: { Item: { pk: runPk(summary.runId), sk: `images#${String(n).padStart(4, '0')}`, images: part, ...keep } } })),
      { PutRequest: { Item: { pk: runPk(summary.runId), sk: 'S', summary, ...keep } } },
      { PutRequest: { Item: { pk: listPk(summary.scope), sk: `${summary.startedAt}#${summary.runId}`, summary, ...keep } } },
    ]);
  }

  async runs(scope: Scope, options: { since?: string; limit?: number; now: string }): Promise<RunSummary[]> {
    const found: RunSummary[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(new QueryCommand({
        TableName: this.tableName, KeyConditionExpression: `pk = :k${options.since ? ' AND sk >= :since' : ''}`, ScanIndexForward: false, ExclusiveStartKey: start,
        ExpressionAttributeValues: { ':k': listPk(scope), ...(options.since && { ':since': options.since }) },
      }));
      // DynamoDB's TTL deletes expired items eventually, the embedded engine never: filter them here.
      found.push(...(page.Items ?? []).filter((i) => String(i.expiresAt) > options.now).map((i) => i.summary as RunSummary));
      start = page.LastEvaluatedKey;
    } while (start && (options.limit === undefined || found.length < options.limit));
    return options.limit === undefined ? found : found.slice(0, options.limit);
  }

  async run(runId: string, now: string): Promise<{ summary: RunSummary; images: RunImage[] } | undefined> {
    const items = await queryAll(this.doc, { tableName: this.tableName, key: 'pk', value: runPk(runId) });
    const head = items.find((i) => i.sk === 'S');
    if (!head || String(head.expiresAt) <= now) return undefined;
    const images = items.filter((i) => String(i.sk).startsWith('images#')).sort((a, b) => String(a.sk).localeCompare(String(b.sk))).flatMap((i) => i.images as RunImage[]);
    return { summary: head.summary as RunSummary, images };
  }

  async annotate(runId: string, notes: RunNotes): Promise<void> {
    const fields = Object.entries(notes).filter(([, value]) => value !== undefined);
    if (fields.length === 0) return;
    const head = (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: runPk(runId), sk: 'S' } }))).Item;
    if (!head) return;
    const summary = head.summary as RunSummary;
    const update = {
      UpdateExpression: `SET ${fields.map((_field, i) => `summary.#f${i} = :v${i}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(fields.map(([name], i) => [`#f${i}`, name])),
      ExpressionAttributeValues: Object.fromEntries(fields.map(([, value], i) => [`:v${i}`, value])),
    };
    for (const Key of [{ pk: runPk(runId), sk: 'S' }, { pk: listPk(summary.scope), sk: `${summary.startedAt}#${runId}` }]) {
      await this.doc.send(new UpdateCommand({ TableName: this.tableName, Key, ...update }));
    }
  }
}
