import { guarded } from './ledger-guard.js';
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SweepReport } from '../app/sweep/report.js';
import { queryAll } from './dynamodb-query.js';
import { batchWriteAll } from './dynamodb-writes.js';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { SweepProgress, SweepProgressStore } from '../app/sweep/batched.js';
import type { Scope } from '../domain/facts.js';
import { scopeId } from './index-keys.js';

const PROGRESS_PK = 'SWEEPRUN';
const key = (scope: Scope, runId: string) => ({ pk: PROGRESS_PK, sk: `${scopeId(scope)}#${runId}` });
/** A run's parts: `SWEEPPART#{scope}#{runId}` / `{after}#{n}`, one batch's report as JSON in pieces (an item holds at most 400 KB). */
const partPk = (scope: Scope, runId: string) => `SWEEPPART#${scopeId(scope)}#${runId}`;
const PIECE = 300_000;

/** Where a sweep spread over several invocations stands (one small item per run in progress). */
export class DynamoDbSweepProgress implements SweepProgressStore {
  constructor(private readonly doc: DynamoDBDocumentClient, private readonly tableName: string) {}

  private guard<T>(what: string, run: () => Promise<T>): Promise<T> {
    return guarded(this.tableName, what, run);
  }

  async loadProgress(scope: Scope, runId: string): Promise<SweepProgress | undefined> {
    return this.guard('reading the sweep progress', async () => (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key(scope, runId), ConsistentRead: true }))).Item?.progress as SweepProgress | undefined);
  }

  async saveProgress(scope: Scope, progress: SweepProgress): Promise<void> {
    await this.guard('writing the sweep progress', () => this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...key(scope, progress.runId), progress } })));
  }

  async claimProgress(scope: Scope, progress: SweepProgress, expectedInvocations: number): Promise<boolean> {
    return this.guard('claiming the sweep progress', async () => {
      try {
        await this.doc.send(new PutCommand({
          TableName: this.tableName, Item: { ...key(scope, progress.runId), progress },
          ConditionExpression: '#p.invocations = :n', ExpressionAttributeNames: { '#p': 'progress' }, ExpressionAttributeValues: { ':n': expectedInvocations },
        }));
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    });
  }

  async clearProgress(scope: Scope, runId: string): Promise<void> {
    await this.guard('clearing the sweep progress', async () => {
      const parts = await queryAll(this.doc, { tableName: this.tableName, key: 'pk', value: partPk(scope, runId) });
      await batchWriteAll(this.doc, this.tableName, parts.map((p) => ({ DeleteRequest: { Key: { pk: p.pk, sk: p.sk } } })));
      await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: key(scope, runId) }));
    });
  }

  async savePart(scope: Scope, runId: string, after: string, part: SweepReport): Promise<void> {
    const json = JSON.stringify(part);
    const pieces = Array.from({ length: Math.max(1, Math.ceil(json.length / PIECE)) }, (_, n) => json.slice(n * PIECE, (n + 1) * PIECE));
    await this.guard('keeping a part of the sweep run', () => batchWriteAll(this.doc, this.tableName,
      pieces.map((body, n) => ({ PutRequest: { Item: { pk: partPk(scope, runId), sk: `${after}#${String(n).padStart(4, '0')}`, pieces: pieces.length, body } } }))));
  }

  async parts(scope: Scope, runId: string): Promise<SweepReport[]> {
    return this.guard('reading the parts of the sweep run', async () => {
      const items = (await queryAll(this.doc, { tableName: this.tableName, key: 'pk', value: partPk(scope, runId) })).sort((a, b) => String(a.sk).localeCompare(String(b.sk)));
      const reports: SweepReport[] = [];
      for (let i = 0; i < items.length; i += Number(items[i]!.pieces)) reports.push(JSON.parse(items.slice(i, i + Number(items[i]!.pieces)).map((p) => String(p.body)).join('')) as SweepReport);
      return reports;
    });
  }
}
