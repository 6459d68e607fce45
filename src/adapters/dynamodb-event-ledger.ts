import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { queryAll } from './dynamodb-query.js';
import { familyGroup, functionGroup, GROUP_INDEX, REPOSITORY_INDEX, repositoryPartition } from './index-keys.js';
import { requireFits } from './item-size.js';
import type { EventLedger, FactKindName, StoredFact } from '../app/ports.js';
import type { ImageFact, Scope } from '../domain/facts.js';
import { imageKey } from '../domain/facts.js';
import { LedgerStoreError } from '../errors.js';
import { factItem, factPk, imageItem, scopeId, sweepKeys, tombstone, watermarkKey, withReferences, type FactItem } from './ledger-items.js';

const stored = (item: Record<string, unknown>): StoredFact => ({
  kind: item.kind as FactKindName, fact: item.fact as Record<string, unknown>, observedAt: item.observedAt as string, deleted: item.deleted === true,
  ...(typeof item.version === 'number' && { version: item.version }),
});

/** Older news never overwrites newer: by time, then by the source's version number when it gives one. */
const NEWER_OR_EQUAL = 'attribute_not_exists(pk) OR observedAt <= :at';
const VERSION = 'attribute_not_exists(version) OR version < :v';

/** The ledger's event-path writes: one conditional request each, idempotent, order-independent. */
export class DynamoDbEventLedger implements EventLedger {
  /** Scopes this process has already listed in the watermark partition. */
  private readonly listed = new Set<string>();

  constructor(private readonly doc: DynamoDBDocumentClient, private readonly tableName: string) {}

  /**
   * A scope fed by events is listed among the ledger's scopes before its first reconcile (an item in the watermark
   * partition without a watermark), so that commands find it; once per scope and process.
   */
  private async list(scope: Scope): Promise<void> {
    if (this.listed.has(scopeId(scope))) return;
    await this.conditional(`listing scope ${scopeId(scope)}`, () => this.doc.send(new PutCommand({
      TableName: this.tableName, Item: { ...watermarkKey(scope), scope }, ConditionExpression: 'attribute_not_exists(pk)',
    })));
    this.listed.add(scopeId(scope));
  }

  private async conditional(what: string, send: () => Promise<unknown>): Promise<boolean> {
    try {
      await send();
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw new LedgerStoreError(`ledger table ${this.tableName}: ${what} failed: ${(error as Error).message}`, { cause: error });
    }
  }

  async applyFact(scope: Scope, kind: Exclude<FactKindName, 'image'>, id: string, fact: object | undefined, at: string, version?: number) {
    const made: FactItem = fact === undefined ? tombstone(scope, kind, id, at) : factItem(scope, kind, fact, at);
    if (version !== undefined) made.version = version;
    const items = withReferences(scope, made);
    const item = items.at(-1) as FactItem;
    const references = items.slice(0, -1);
    requireFits(item as unknown as Record<string, unknown>, `the ${kind} ${id}`);
    await this.list(scope);
    const condition = version === undefined ? NEWER_OR_EQUAL : `(${NEWER_OR_EQUAL}) AND (${VERSION})`;
    const values = { ':at': at, ...(version !== undefined && { ':v': version }) };
    // A numbered fact past its first version (a task's next state) usually makes the references the ledger holds
    // already: one write when the held fact made the same ones (they are all there), the full path otherwise.
    if (version !== undefined && version > 1 && item.refs !== undefined) {
      const same = await this.put(`writing ${kind} ${id}`, item, `(${condition}) AND refs = :refs`, { ...values, ':refs': item.refs });
      if (same.applied) return { applied: true, ...(same.previous && { previous: stored(same.previous as unknown as Record<string, unknown>) }) };
    }
    const written = await this.writeReferences(item, references);
    const result = await this.put(`writing ${kind} ${id}`, item, condition, values);
    if (result.applied && result.previous) await this.dropReferences(scope, result.previous, written, at);
    return { applied: result.applied, ...(result.previous && { previous: stored(result.previous as unknown as Record<string, unknown>) }) };
  }

  private async put(what: string, item: FactItem, condition: string, values: Record<string, unknown>): Promise<{ applied: boolean; previous?: FactItem }> {
    let previous: FactItem | undefined;
    const applied = await this.conditional(what, async () => {
      previous = (await this.doc.send(new PutCommand({
        TableName: this.tableName, Item: item as unknown as Record<string, unknown>, ReturnValues: 'ALL_OLD', ConditionExpression: condition, ExpressionAttributeValues: values,
      }))).Attributes as FactItem | undefined;
    });
    return { applied, ...(previous && { previous }) };
  }

  /**
   * Writes the references (and tag claims) a fact item makes, before the fact: a crash in between leaves more
   * protection, never less. An older event's references that lose to newer news are left for the next reconcile.
   */
  private async writeReferences(item: FactItem, references: ReadonlyArray<{ sk: string }>): Promise<Set<string>> {
    for (const reference of references) {
      requireFits(reference as unknown as Record<string, unknown>, `a reference of ${item.pk}`);
      await this.conditional(`writing a reference of ${item.pk}`, () => this.doc.send(new PutCommand({
        TableName: this.tableName, Item: reference as unknown as Record<string, unknown>, ConditionExpression: NEWER_OR_EQUAL, ExpressionAttributeValues: { ':at': item.observedAt },
      })));
    }
    return new Set(references.map((r) => r.sk));
  }

  /** After a fact was replaced or removed: removes the references its previous version made that the new one does not. */
  private async dropReferences(scope: Scope, previous: FactItem, kept: ReadonlySet<string>, at: string): Promise<void> {
    for (const reference of withReferences(scope, previous).filter((r) => r.sk !== 'F' && !kept.has(r.sk))) {
      await this.conditional(`removing a reference of ${previous.pk}`, () => this.doc.send(new DeleteCommand({
        TableName: this.tableName, Key: { pk: reference.pk, sk: reference.sk }, ConditionExpression: 'attribute_not_exists(pk) OR observedAt <= :at', ExpressionAttributeValues: { ':at': at },
      })));
    }
  }

  async addImage(scope: Scope, image: ImageFact, at: string): Promise<boolean> {
    const items = withReferences(scope, imageItem(scope, image, at, { firstSeenAt: at, unprotectedSince: at }));
    const item = items.at(-1) as FactItem;
    requireFits(item as unknown as Record<string, unknown>, `the image ${imageKey(image.repositoryName, image.imageDigest)}`);
    await this.list(scope);
    await this.writeReferences(item, items.slice(0, -1));
    const added = await this.conditional(`adding image ${imageKey(image.repositoryName, image.imageDigest)}`, () => this.doc.send(new PutCommand({
      TableName: this.tableName, Item: item as unknown as Record<string, unknown>,
      ConditionExpression: 'attribute_not_exists(pk) OR (deleted = :true AND observedAt < :at)', ExpressionAttributeValues: { ':true': true, ':at': at },
    })));
    if (added) return true;
    // Pushed again while the ledger holds it: the push is news (a DELETE older than it, delivered late, must not win),
    // and an unprotected image's grace restarts at it (someone pushed it: it may be about to run). An image in use
    // keeps no unprotectedSince, and gets none here: its grace starts when its use ends. The restart does not depend on
    // the news: a reconcile that wrote the image at the push's instant, or after a push its read missed, makes the push
    // no news, and its grace must restart all the same (found by the simulator, seed 4170). One request, usually.
    const update = (set: string, condition: string) => this.conditional(`noting the push of ${imageKey(image.repositoryName, image.imageDigest)}`, () => this.doc.send(new UpdateCommand({
      TableName: this.tableName, Key: { pk: item.pk, sk: item.sk }, UpdateExpression: `SET ${set}`,
      ConditionExpression: `attribute_exists(pk) AND attribute_not_exists(deleted) AND ${condition}`, ExpressionAttributeValues: { ':at': at },
    })));
    if (!(await update('observedAt = :at, unprotectedSince = :at', 'observedAt < :at AND unprotectedSince < :at'))) {
      await update('observedAt = :at', 'observedAt < :at');
      await update('unprotectedSince = :at', 'unprotectedSince < :at');
    }
    // A push later than the one held (a digest deleted and pushed again, its DELETE late or lost) restarts its clocks.
    await this.conditional(`noting the new push time of ${imageKey(image.repositoryName, image.imageDigest)}`, () => this.doc.send(new UpdateCommand({
      TableName: this.tableName, Key: { pk: item.pk, sk: item.sk },
      UpdateExpression: 'SET #fact.imagePushedAt = :pushed, g1sk = :g1sk, firstSeenAt = :pushed, unprotectedSince = :pushed',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deleted) AND #fact.imagePushedAt < :pushed',
      ExpressionAttributeNames: { '#fact': 'fact' }, ExpressionAttributeValues: { ':pushed': image.imagePushedAt, ':g1sk': item.g1sk },
    })));
    return false;
  }

  async removeImage(scope: Scope, repositoryName: string, imageDigest: string, at: string): Promise<boolean> {
    const item = tombstone(scope, 'image', imageKey(repositoryName, imageDigest), at);
    let previous: Record<string, unknown> | undefined;
    const removed = await this.conditional(`removing image ${imageKey(repositoryName, imageDigest)}`, async () => {
      previous = (await this.doc.send(new PutCommand({
        TableName: this.tableName, Item: item as unknown as Record<string, unknown>, ReturnValues: 'ALL_OLD', ConditionExpression: NEWER_OR_EQUAL, ExpressionAttributeValues: { ':at': at },
      }))).Attributes;
    });
    if (removed && previous) await this.dropReferences(scope, previous as unknown as FactItem, new Set(), at);
    return removed;
  }

  async setImageStatus(scope: Scope, repositoryName: string, imageDigest: string, status: string, at: string): Promise<boolean> {
    return this.conditional(`setting the storage class of ${imageKey(repositoryName, imageDigest)}`, () => this.doc.send(new UpdateCommand({
      TableName: this.tableName, Key: { pk: factPk(scope, 'image', imageKey(repositoryName, imageDigest)), sk: 'F' },
      // Archived: when, for deleteArchivedAfterDays (as DescribeImages' lastArchivedAt says it).
      UpdateExpression: `SET #fact.imageStatus = :status, observedAt = :at${status === 'ARCHIVED' ? ', #fact.lastArchivedAt = :at' : ''}`,
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deleted) AND observedAt <= :at',
      ExpressionAttributeNames: { '#fact': 'fact' }, ExpressionAttributeValues: { ':status': status, ':at': at },
    })));
  }

  async releaseImage(scope: Scope, repositoryName: string, imageDigest: string, at: string, noticedAt: string = at): Promise<void> {
    const pk = factPk(scope, 'image', imageKey(repositoryName, imageDigest));
    // `releasedAt` is the time the release was learnt (it orders writes, so it is never in the future); a protection
    // that ends later (a stopped task's retention) is kept apart, as `protectedUntil`. Each stamp only moves later.
    const stamp = (stamps: Partial<Record<'releasedAt' | 'protectedUntil', string>>) => this.conditional(`releasing ${imageKey(repositoryName, imageDigest)}`, () => {
      const names = Object.keys(stamps) as Array<'releasedAt' | 'protectedUntil'>;
      return this.doc.send(new UpdateCommand({
        TableName: this.tableName, Key: { pk, sk: 'F' },
        // A released image may now be unprotected: it joins the sweep's index.
        UpdateExpression: `SET ${names.map((n) => `${n} = :${n}`).join(', ')}, g3pk = :g3pk, g3sk = pk`,
        ConditionExpression: `attribute_exists(pk) AND attribute_not_exists(deleted)${names.map((n) => ` AND (attribute_not_exists(${n}) OR ${n} < :${n})`).join('')}`,
        ExpressionAttributeValues: { ...Object.fromEntries(names.map((n) => [`:${n}`, stamps[n]])), ':g3pk': sweepKeys(scope, pk).g3pk },
      }));
    });
    const learnt = noticedAt < at ? noticedAt : at;
    if (at <= learnt) {
      await stamp({ releasedAt: learnt });
      return;
    }
    // Both in one write; when one of them is already as late (or the image is gone), each on its own.
    if (await stamp({ releasedAt: learnt, protectedUntil: at })) return;
    await stamp({ releasedAt: learnt });
    await stamp({ protectedUntil: at });
  }

  async getFact(scope: Scope, kind: FactKindName, id: string): Promise<StoredFact | undefined> {
    try {
      const found = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: factPk(scope, kind, id), sk: 'F' }, ConsistentRead: true }));
      return found.Item ? stored(found.Item) : undefined;
    } catch (error) {
      throw new LedgerStoreError(`ledger table ${this.tableName}: reading ${kind} ${id} failed: ${(error as Error).message}`, { cause: error });
    }
  }

  async group(scope: Scope, group: { family: string } | { functionName: string } | { repositoryName: string }): Promise<StoredFact[]> {
    // Groups also hold other members (tasks and references in a family's, references in a repository's): keep the asked kind.
    const [index, key, value, kinds] = 'family' in group ? [GROUP_INDEX, 'g2pk', familyGroup(scope, group.family), ['task-definition']]
      : 'functionName' in group ? [GROUP_INDEX, 'g2pk', functionGroup(scope, group.functionName), ['lambda-function', 'lambda-alias']]
      : [REPOSITORY_INDEX, 'g1pk', repositoryPartition(scope, group.repositoryName), ['image']];
    let items: Record<string, unknown>[];
    try {
      items = await queryAll(this.doc, { tableName: this.tableName, index, key, value });
    } catch (error) {
      throw new LedgerStoreError(`ledger table ${this.tableName}: reading group ${value} failed: ${(error as Error).message}`, { cause: error });
    }
    return items.filter((i) => kinds.includes(String(i.kind)) && i.sk === 'F').map(stored).filter((f) => !f.deleted);
  }
}
