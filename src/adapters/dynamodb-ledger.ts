import { DynamoDbDeployedSettings } from './dynamodb-deployed-settings.js';
import type { RegionProbe } from '../domain/region-probe.js';
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { CheckpointEntry, LedgerContents, LedgerStore, ReconcileCounts, ReconcileWrite, Watermark } from '../app/ports.js';
import type { PinFact, Scope } from '../domain/facts.js';
import { stableJson } from '../domain/stable-json.js';
import { LedgerStoreError } from '../errors.js';
import { DynamoDbEventLedger } from './dynamodb-event-ledger.js';
import { queryAll } from './dynamodb-query.js';
import { DynamoDbSweepStore } from './dynamodb-sweep-store.js';
import { DynamoDbAnnouncements } from './dynamodb-announcements.js';
import { DynamoDbUsageReports } from './dynamodb-usage-reports.js';
import { DynamoDbSweepProgress } from './dynamodb-sweep-progress.js';
import { batchWriteAll, inParallel, type WriteRequest } from './dynamodb-writes.js';
import { requireFits } from './item-size.js';
import { DynamoDbRunLog } from './dynamodb-run-log.js';
import { LedgerLayout } from './ledger-layout.js';
import { SCOPE_INDEX } from './ledger-table.js';
import { scopeShard, SCOPE_SHARDS } from './index-keys.js';
import { DynamoDbUsageIndex } from './dynamodb-usage-index.js';
import type { ReferenceItem } from './reference-items.js';
import { checkpointPk, REGIONS_PK, regionProbeKey, factPk, factsToItems, itemsToFacts, pinItem, pinKey, scopeId, WATERMARK_PK, watermarkKey, withReferences, type FactItem } from './ledger-items.js';

const PARALLEL_WRITES = 16;
/** The stored item is absent or no newer than the picture: neither observed nor released after it. */
const NO_NEWER_NEWS = 'attribute_not_exists(pk) OR (observedAt <= :at AND (attribute_not_exists(releasedAt) OR releasedAt <= :at))';
const newerThan = (item: LedgerItem | undefined, at: string) => item !== undefined && (item.observedAt > at || ('releasedAt' in item && (item.releasedAt ?? '') > at));

/** The ledger in one DynamoDB table: the only module that talks to DynamoDB. Works alike on AWS and on the embedded engine. */
export class DynamoDbLedger implements LedgerStore {
  private readonly doc: DynamoDBDocumentClient;
  /** The event path's single-item conditional writes on the same table. */
  readonly events: DynamoDbEventLedger;
  /** The sweep's candidate index, run lock and audit trail on the same table. */
  readonly sweep: DynamoDbSweepStore;
  /** The advance notice's announcements. */
  readonly announcements: DynamoDbAnnouncements;
  /** What usage sources reported (`report-usage`). */
  readonly reports: DynamoDbUsageReports;
  /** Where a sweep spread over several invocations stands. */
  readonly sweepProgress: DynamoDbSweepProgress;
  /** The table's layout version and its in-place upgrade. */
  readonly layout: LedgerLayout;
  readonly runs: DynamoDbRunLog;
  /** What the deployed sweep runs with (config, dry run, managed repositories), recorded by it at each run. */
  readonly deployed: DynamoDbDeployedSettings;

  /**
   * `exclusive`: this process alone writes the table (the embedded ledger: one process per directory), so a scope's
   * first load goes in batches instead of one conditional request per item.
   */
  constructor(client: DynamoDBClient, private readonly tableName: string, private readonly options: { readonly exclusive?: boolean } = {}) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.events = new DynamoDbEventLedger(this.doc, tableName);
    this.sweep = new DynamoDbSweepStore(this.doc, tableName);
    this.announcements = new DynamoDbAnnouncements(this.doc, tableName);
    this.reports = new DynamoDbUsageReports(this.doc, tableName);
    this.sweepProgress = new DynamoDbSweepProgress(this.doc, tableName);
    this.layout = new LedgerLayout(this.doc, tableName);
    this.runs = new DynamoDbRunLog(this.doc, tableName);
    this.deployed = new DynamoDbDeployedSettings(this.doc, tableName);
  }

  /** Bounded reads of the index ("who uses this image"), with their own request counts. */
  usageIndex(): DynamoDbUsageIndex {
    return new DynamoDbUsageIndex(this.doc, this.tableName);
  }

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (cause) {
      if (cause instanceof LedgerStoreError) throw cause;
      throw new LedgerStoreError(`ledger table ${this.tableName}: ${what} failed: ${(cause as Error).message}`, { cause });
    }
  }

  private partition(pk: string): Promise<Record<string, unknown>[]> {
    return queryAll(this.doc, { tableName: this.tableName, key: 'pk', value: pk });
  }

  async scopes(): Promise<Scope[]> {
    return this.call('listing scopes', async () => {
      const items = await this.partition(WATERMARK_PK);
      // An item without a watermark lists a scope only events have fed so far.
      return items.map((i) => (i.watermark as Watermark | undefined)?.scope ?? (i.scope as Scope)).sort((a, b) => scopeId(a).localeCompare(scopeId(b)));
    });
  }

  async saveRegionProbe(probe: RegionProbe): Promise<void> {
    await this.call('saving the region probe', () => this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...regionProbeKey(probe.accountId), probe } })));
  }

  async regionProbes(): Promise<RegionProbe[]> {
    return this.call('reading the region probes', async () => (await this.partition(REGIONS_PK)).map((i) => i.probe as RegionProbe));
  }

  async watermark(scope: Scope): Promise<Watermark | undefined> {
    const found = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: watermarkKey(scope), ConsistentRead: true }));
    return found.Item?.watermark as Watermark | undefined;
  }

  /**
   * The scope's fact items; with `indexed`, also their references and tag claims (what a reconcile replaces). Read by
   * Query of the scope index's shards (layout 4): the reads are the scope's own items, never the table's.
   */
  private async factItems(scope: Scope, indexed = false): Promise<LedgerItem[]> {
    const items: LedgerItem[] = [];
    await inParallel(Array.from({ length: SCOPE_SHARDS }, (_, shard) => shard), 8, async (shard) => {
      const found = await queryAll(this.doc, { tableName: this.tableName, index: SCOPE_INDEX, key: 'g4pk', value: scopeShard(scope, shard), sortKey: 'g4sk', ...(!indexed && { beginsWith: 'F#' }) });
      items.push(...(found as unknown as LedgerItem[]));
    });
    return items;
  }

  async load(scope: Scope): Promise<LedgerContents> {
    return this.call('loading the ledger', async () => {
      const [items, watermark] = await Promise.all([this.factItems(scope), this.watermark(scope)]);
      const { facts, history } = itemsToFacts(scope, items as FactItem[], watermark?.capturedAt ?? new Date(0).toISOString());
      return { facts, history, ...(watermark && { watermark }) };
    });
  }

  private batchWrite(requests: readonly WriteRequest[]): Promise<void> {
    return batchWriteAll(this.doc, this.tableName, requests, PARALLEL_WRITES);
  }

  async reconcile(write: ReconcileWrite): Promise<ReconcileCounts> {
    const { scope } = write.facts;
    return this.call('reconciling', async () => {
      const items = await this.factItems(scope, true);
      const existing = new Map(items.map((i) => [itemKey(i), i]));
      const held = itemsToFacts(scope, items.filter((i): i is FactItem => i.sk === 'F'), write.observedAt);
      const history = write.decideHistory({ history: held.history, pins: held.facts.pins, reported: held.facts.reported ?? [] });
      // Pins are the operator's: the reconcile keeps them and the references they make.
      // Usage reports are their sources': a reconcile keeps them as they are, like pins.
      const reports = items.filter((i): i is FactItem => i.sk === 'F' && (i.kind === 'reported-image' || i.kind === 'usage-source') && !i.deleted).flatMap((i) => withReferences(scope, i));
      const wanted = [...factsToItems(write.facts, history, write.observedAt), ...held.facts.pins.flatMap((pin) => withReferences(scope, pinItem(scope, pin))), ...reports];
      // Every item is checked before the first write: a fact that cannot be stored fails the run with nothing written.
      for (const item of wanted) requireFits(item as unknown as Record<string, unknown>, describeItem(scope, item));
      const wantedKeys = new Set(wanted.map(itemKey));
      const changed = wanted.filter((i) => !sameItem(existing.get(itemKey(i)), i) && !newerThan(existing.get(itemKey(i)), write.observedAt));
      const stale = [...existing.values()].filter((i) => !wantedKeys.has(itemKey(i)) && !newerThan(i, write.observedAt));
      // Writes before removals, images removed before the referrers that protected them: a crash keeps images protected.
      // Each is conditional: an event newer than this picture that lands between the read and the write wins.
      // A first load where this process alone writes: nothing to keep newer news from (other scopes' reconciles in this
      // process stamp only items that exist), so its writes go in batches.
      if (this.options.exclusive && existing.size === 0) return this.firstLoad(scope, changed, write.watermark, wanted.length);
      const written = await this.conditionally('put', changed, write.observedAt);
      const removedImages = await this.conditionally('delete', stale.filter((i) => i.kind === 'image'), write.observedAt);
      const removedFacts = await this.conditionally('delete', stale.filter((i) => i.kind !== 'image' && i.kind !== 'reference'), write.observedAt);
      // A reference last, and only of a referrer the picture replaced or removed: one an event refreshed since the read
      // keeps the references it names (an event that names the same ones does not rewrite them, so their times are old).
      const refreshed = new Set([...written.refused, ...removedImages.refused, ...removedFacts.refused]);
      const removedReferences = await this.conditionally('delete', stale.filter((i) => i.kind === 'reference' && !refreshed.has(i.pk)), write.observedAt);
      await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...watermarkKey(scope), watermark: write.watermark } }));
      return { written: written.applied, unchanged: wanted.length - written.applied, removed: removedImages.applied + removedFacts.applied + removedReferences.applied };
    });
  }

  /** A scope's first load where no other writer exists: its items in batches, then its watermark. */
  private async firstLoad(scope: Scope, items: readonly LedgerItem[], watermark: ReconcileWrite['watermark'], wanted: number): Promise<ReconcileCounts> {
    const puts = [...new Map(items.map((i) => [itemKey(i), i])).values()]; // one write per key in a batch (the last wins, as in turn)
    await this.batchWrite(puts.map((Item) => ({ PutRequest: { Item: Item as unknown as Record<string, unknown> } })));
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...watermarkKey(scope), watermark } }));
    return { written: items.length, unchanged: wanted - items.length, removed: 0 };
  }

  /** Sends one request per item, each only if the stored item holds no news newer than `at`: how many went through, and the partitions of those refused. */
  private async conditionally(write: 'put' | 'delete', items: readonly LedgerItem[], at: string): Promise<{ applied: number; refused: Set<string> }> {
    const condition = { TableName: this.tableName, ConditionExpression: NO_NEWER_NEWS, ExpressionAttributeValues: { ':at': at } };
    let applied = 0;
    const refused = new Set<string>();
    await inParallel(items, PARALLEL_WRITES, async (item) => {
      try {
        // A retention an event stamped since the read (a stopped task's `protectedUntil`) is never overwritten by an earlier one.
        const held = write === 'put' && item.kind === 'image' ? { until: (item as FactItem).protectedUntil ?? '0' } : undefined;
        if (held) await this.doc.send(new PutCommand({ ...condition, ConditionExpression: `(${NO_NEWER_NEWS}) AND (attribute_not_exists(protectedUntil) OR protectedUntil <= :until)`, ExpressionAttributeValues: { ':at': at, ':until': held.until }, Item: item as unknown as Record<string, unknown> }));
        else if (write === 'put') await this.doc.send(new PutCommand({ ...condition, Item: item as unknown as Record<string, unknown> }));
        else await this.doc.send(new DeleteCommand({ ...condition, Key: { pk: item.pk, sk: item.sk } }));
        applied += 1;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        refused.add(item.pk);
      }
    });
    return { applied, refused };
  }

  async saveCheckpoint(scope: Scope, entries: readonly CheckpointEntry[]): Promise<void> {
    const pk = checkpointPk(scope);
    await this.call('saving a checkpoint', () => this.batchWrite(entries.map((e) => ({ PutRequest: { Item: { pk, sk: `${e.kind}#${e.id}`, entry: e } } }))));
  }

  async readCheckpoint(scope: Scope): Promise<CheckpointEntry[]> {
    return this.call('reading the checkpoint', async () => (await this.partition(checkpointPk(scope))).map((i) => i.entry as CheckpointEntry));
  }

  async clearCheckpoint(scope: Scope): Promise<void> {
    await this.call('clearing the checkpoint', async () => {
      const items = await this.partition(checkpointPk(scope));
      await this.batchWrite(items.map((i) => ({ DeleteRequest: { Key: { pk: i.pk, sk: i.sk } } })));
    });
  }

  /** The pin's reference first, then the pin: a crash leaves the image protected either way. */
  async putPin(scope: Scope, pin: PinFact): Promise<void> {
    await this.call('writing a pin', async () => {
      for (const item of withReferences(scope, pinItem(scope, pin))) await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item as unknown as Record<string, unknown> }));
    });
  }

  async deletePin(scope: Scope, pin: PinFact): Promise<boolean> {
    return this.call('removing a pin', async () => {
      try {
        const pk = factPk(scope, 'pin', pinKey(pin));
        const removed = await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { pk, sk: 'F' }, ConditionExpression: 'attribute_exists(pk)', ReturnValues: 'ALL_OLD' }));
        for (const reference of withReferences(scope, removed.Attributes as unknown as FactItem).filter((i) => i.sk !== 'F')) {
          await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: reference.pk, sk: reference.sk } }));
        }
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    });
  }
}

/** A fact, a reference or a tag claim: every item a scope's facts make. */
type LedgerItem = FactItem | ReferenceItem;
const itemKey = (i: LedgerItem) => `${i.pk}\u0000${i.sk}`;

function describeItem(scope: Scope, item: LedgerItem): string {
  const id = item.pk.slice(scopeId(scope).length + 1);
  return item.kind === 'reference' ? `the reference of ${id} to ${item.target}` : `the ${item.kind} ${id.slice(id.indexOf('#') + 1)}`;
}

function sameItem(a: LedgerItem | undefined, b: LedgerItem): boolean {
  if (!a) return false;
  const { observedAt: _a, ...restA } = a;
  const { observedAt: _b, ...restB } = b;
  return stableJson(restA) === stableJson(restB);
}
