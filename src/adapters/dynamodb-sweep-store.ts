import { guarded } from './ledger-guard.js';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { queryAll } from './dynamodb-query.js';
import type { AuditRecord, LeaseHolder, LedgerContents, SweepStore } from '../app/ports.js';
import { batchWriteAll, inParallel } from './dynamodb-writes.js';
import type { ImageFact, Scope } from '../domain/facts.js';
import { imageKey } from '../domain/facts.js';
import { factPk, itemsToFacts, scopeId, SWEEP_SHARDS, sweepShard, watermarkKey, type FactItem } from './ledger-items.js';

const LOCK_PK = 'LOCK';
const LAST_RUN_PK = 'LASTRUN';
const auditPk = (scope: Scope) => `AUDIT#${scopeId(scope)}`;
/** Write-ahead records of deletions asked for and not yet settled. */
const intentPk = (scope: Scope) => `INTENT#${scopeId(scope)}`;

/** The sweep's side of the ledger table: the sparse candidate index, the run lock (a lease), the audit trail. */
export class DynamoDbSweepStore implements SweepStore {
  constructor(private readonly doc: DynamoDBDocumentClient, private readonly tableName: string) {}

  private guard<T>(what: string, run: () => Promise<T>): Promise<T> {
    return guarded(this.tableName, what, run);
  }

  async sweepView(scope: Scope): Promise<LedgerContents> {
    return this.guard('reading the sweep index', async () => {
      const items: FactItem[] = [];
      await inParallel(Array.from({ length: SWEEP_SHARDS }, (_, shard) => shard), 8, async (shard) => {
        items.push(...((await queryAll(this.doc, { tableName: this.tableName, index: 'forSweep', key: 'g3pk', value: sweepShard(scope, shard) })) as unknown as FactItem[]));
      });
      // The subjects of signatures and SBOMs decide whether those are kept: read the ones the index does not hold.
      const held = new Set(items.map((i) => i.pk));
      const subjects = new Set(items.filter((i) => i.kind === 'image' && !i.deleted).flatMap((i) => {
        const image = i.fact as unknown as ImageFact;
        return image.subjectDigest ? [factPk(scope, 'image', imageKey(image.repositoryName, image.subjectDigest))] : [];
      }).filter((pk) => !held.has(pk)));
      for (const pk of subjects) {
        const found = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk, sk: 'F' } }));
        if (found.Item) items.push(found.Item as unknown as FactItem);
      }
      const watermark = (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: watermarkKey(scope), ConsistentRead: true }))).Item?.watermark;
      const { facts, history } = itemsToFacts(scope, items, (watermark as { capturedAt?: string } | undefined)?.capturedAt ?? new Date(0).toISOString());
      return { facts, history, ...(watermark && { watermark }) } as LedgerContents;
    });
  }

  async acquireLock(scope: Scope, runId: string, now: string, until: string): Promise<{ acquired: true } | { acquired: false; holder?: LeaseHolder }> {
    try {
      await this.guard('taking the run lock', () => this.doc.send(new PutCommand({
        TableName: this.tableName, Item: { pk: LOCK_PK, sk: scopeId(scope), runId, takenAt: now, expiresAt: until },
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now', ExpressionAttributeValues: { ':now': now },
      })));
      return { acquired: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const holder = await this.lockHolder(scope);
      return { acquired: false, ...(holder && { holder }) };
    }
  }

  async renewLock(scope: Scope, runId: string, until: string): Promise<boolean> {
    try {
      await this.guard('renewing the run lock', () => this.doc.send(new UpdateCommand({
        TableName: this.tableName, Key: { pk: LOCK_PK, sk: scopeId(scope) }, UpdateExpression: 'SET expiresAt = :until',
        ConditionExpression: 'runId = :r', ExpressionAttributeValues: { ':r': runId, ':until': until },
      })));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async lockHolder(scope: Scope): Promise<LeaseHolder | undefined> {
    const found = await this.guard('reading the run lock', () => this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: LOCK_PK, sk: scopeId(scope) }, ConsistentRead: true })));
    const item = found.Item;
    return item ? { runId: String(item.runId), takenAt: String(item.takenAt), expiresAt: String(item.expiresAt) } : undefined;
  }

  async releaseLock(scope: Scope, runId: string): Promise<void> {
    try {
      await this.guard('releasing the run lock', () => this.doc.send(new DeleteCommand({
        TableName: this.tableName, Key: { pk: LOCK_PK, sk: scopeId(scope) }, ConditionExpression: 'runId = :r', ExpressionAttributeValues: { ':r': runId },
      })));
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error; // another run's lock (ours expired): leave it
    }
  }

  async recordIntents(scope: Scope, records: readonly AuditRecord[], expiresAt: string): Promise<void> {
    await this.guard('writing the intent to delete', () => batchWriteAll(this.doc, this.tableName, records.map((record) => ({ PutRequest: { Item: auditItem(intentPk(scope), record, expiresAt) } }))));
  }

  async recordAudit(scope: Scope, records: readonly AuditRecord[], expiresAt: string): Promise<void> {
    // The settled record first: a crash between the two leaves an intent that a later run finds already settled.
    await this.guard('writing audit records', () => batchWriteAll(this.doc, this.tableName, records.map((record) => ({ PutRequest: { Item: auditItem(auditPk(scope), record, expiresAt) } }))));
    await this.guard('clearing settled intents', () => batchWriteAll(this.doc, this.tableName, records.map((record) => ({ DeleteRequest: { Key: { pk: intentPk(scope), sk: auditSk(record) } } }))));
  }

  async pendingIntents(scope: Scope): Promise<AuditRecord[]> {
    return this.guard('reading pending intents', async () => (await queryAll(this.doc, { tableName: this.tableName, key: 'pk', value: intentPk(scope) })).map((i) => i.record as AuditRecord));
  }

  async audit(scope: Scope, options: { since?: string; now: string }): Promise<AuditRecord[]> {
    return this.guard('reading the audit trail', async () => {
      const items = await queryAll(this.doc, { tableName: this.tableName, key: 'pk', value: auditPk(scope), ...(options.since && { from: options.since }) });
      // DynamoDB's TTL deletes expired records eventually, the embedded engine never: filter them here.
      return items.filter((i) => String(i.expiresAt) > options.now).map((i) => withStatus(i.record as AuditRecord));
    });
  }

  async lastRun(scope: Scope): Promise<string | undefined> {
    return this.guard('reading the last run', async () => (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: LAST_RUN_PK, sk: scopeId(scope) } }))).Item?.at as string | undefined);
  }

  async recordRun(scope: Scope, at: string): Promise<void> {
    await this.guard('recording the run', () => this.doc.send(new PutCommand({ TableName: this.tableName, Item: { pk: LAST_RUN_PK, sk: scopeId(scope), at } })));
  }
}

/** Records written before statuses existed were written only for images that went. */
const withStatus = (record: AuditRecord): AuditRecord => record.status ? record : { ...record, status: record.action === 'archive' ? 'archived' : 'deleted' };

const auditSk = (record: AuditRecord) => `${record.at}#${record.runId}#${imageKey(record.repositoryName, record.imageDigest)}`;

function auditItem(pk: string, record: AuditRecord, expiresAt: string): Record<string, unknown> {
  return { pk, sk: auditSk(record), record, expiresAt, ttl: Math.floor(Date.parse(expiresAt) / 1000) };
}
