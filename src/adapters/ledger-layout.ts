import { systemClock } from '../system-clock.js';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import { LayoutError } from '../errors.js';
import { factItem, imageItem, SWEEP_INDEXED_KINDS, sweepKeys, withReferences, type FactItem } from './ledger-items.js';
import { referencePrefix, type ReferenceItem } from './reference-items.js';
import { scopeKeys, scopeOfId } from './index-keys.js';
import type { ImageFact } from '../domain/facts.js';

/**
 * The table layout the items follow. 1: facts only (ecr-ledger 0.1). 2: facts with their references and group keys.
 * 3: the sweep index holds candidate images, immutable usage facts, pins and reports only (no mutable referrers), and
 * references from other scopes sort apart in the repository index (`xref#`). 4: every item of a scope (facts, references,
 * tag claims) carries the scope index's keys (`byScope`), so a scope is read by Query, never by a table Scan.
 * An item `LAYOUT / LAYOUT` records it; a table without one is new (empty) or of layout 1.
 */
export const LAYOUT_VERSION = 4;
const MARKER = { pk: 'LAYOUT', sk: 'LAYOUT' };
/** Where an interrupted upgrade resumes (the last fact item it converted), with the layout it was converting from. */
const CURSOR = { pk: 'LAYOUT', sk: 'UPGRADE' };
/** The layout the deployed stack writing this table writes (its reconcile stamps it on every run). */
const STACK = { pk: 'LAYOUT', sk: 'STACK' };

/** The deployed stack that writes a table, as its last reconcile stamped it. */
export interface StackStamp {
  readonly layout: number;
  readonly at: string;
}

export interface UpgradeProgress {
  readonly from: number;
  readonly to: number;
  readonly converted: number;
  readonly references: number;
  readonly resumed: boolean;
}

type Item = Record<string, unknown>;

/** One step of the upgrade: which items it reads, and how it converts one (counting what it wrote besides the item). */
interface Step {
  readonly filter: string;
  readonly values: Record<string, string>;
  convert(stored: FactItem): Promise<{ converted: boolean; extra: number }>;
}

/** Reads and upgrades the layout of one ledger table. */
export class LedgerLayout {
  constructor(private readonly doc: DynamoDBDocumentClient, private readonly tableName: string) {}

  /** The table's layout as it is, without marking an empty table (undefined): for read-only checks (`doctor`). */
  async peek(): Promise<number | undefined> {
    const marker = (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: MARKER, ConsistentRead: true }))).Item;
    if (marker) return Number(marker.version);
    const any = await this.doc.send(new ScanCommand({ TableName: this.tableName, Limit: 1 }));
    return (any.Items ?? []).length > 0 ? 1 : undefined;
  }

  /** The table's layout: the marker's version, LAYOUT_VERSION for an empty table (which gets the marker), else 1. */
  async version(): Promise<number> {
    const marker = (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: MARKER, ConsistentRead: true }))).Item;
    if (marker) return Number(marker.version);
    const any = await this.doc.send(new ScanCommand({ TableName: this.tableName, Limit: 1 }));
    if ((any.Items ?? []).length > 0) return 1;
    await this.mark(LAYOUT_VERSION);
    return LAYOUT_VERSION;
  }

  /** Fails with a pointer to `ecr-ledger upgrade` unless the table is of the current layout. */
  async require(describe: string, upgradeFlags: string): Promise<void> {
    const version = await this.version();
    if (version === LAYOUT_VERSION) return;
    if (version > LAYOUT_VERSION) throw new LayoutError(`${describe} was written by a newer ecr-ledger (layout ${version}; this one reads ${LAYOUT_VERSION}): upgrade ecr-ledger`);
    throw new LayoutError(`${describe} was written by an older ecr-ledger (layout ${version}): run \`ecr-ledger upgrade ${upgradeFlags}\` to convert it in place (pins, history and the audit trail are kept)`);
  }

  /** The deployed reconcile: upgrades the table first, then stamps the layout the stack writes. */
  async upgradeForStack(at: string): Promise<UpgradeProgress> {
    const progress = await this.upgrade();
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...STACK, layout: LAYOUT_VERSION, at } }));
    return progress;
  }

  async stackStamp(): Promise<StackStamp | undefined> {
    const found = (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: STACK, ConsistentRead: true }))).Item;
    return found ? { layout: Number(found.layout), at: String(found.at) } : undefined;
  }

  private async mark(version: number): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...MARKER, version, markedAt: systemClock().toISOString() } }));
  }

  /**
   * Converts an older table in place, one layout at a time (1→2, 2→3, 3→4): each step reads the fact items in pages and
   * saves its cursor after each page, so a crash resumes where it stopped, and converting an item twice writes the same
   * item. Nothing is removed but index keys: pins, history stamps, tombstones, watermarks, checkpoints and audit records
   * stay as they are.
   */
  async upgrade(onPage?: (converted: number) => void, pageSize?: number): Promise<UpgradeProgress> {
    const from = await this.version();
    let converted = 0;
    let references = 0;
    let resumed = false;
    for (let version = from; version < LAYOUT_VERSION; version += 1) {
      const done = await this.step(version, this.steps(version), (n) => onPage?.(converted + n), pageSize);
      converted += done.converted;
      references += done.extra;
      resumed ||= done.resumed;
      await this.mark(version + 1);
      await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: CURSOR }));
    }
    return { from, to: Math.max(from, LAYOUT_VERSION), converted, references, resumed };
  }

  private steps(version: number): Step {
    if (version === 1) {
      return {
        filter: 'sk = :f AND attribute_exists(#scope)',
        values: { ':f': 'F' },
        convert: async (stored) => {
          const items = converted1to2(stored);
          for (const item of items) await this.putUnlessChanged(item, stored);
          return { converted: true, extra: items.length - 1 };
        },
      };
    }
    if (version === 3) {
      return {
        filter: 'attribute_exists(#scope) AND attribute_not_exists(g4pk) AND (sk = :f OR begins_with(sk, :r) OR begins_with(sk, :c))',
        values: { ':f': 'F', ':r': 'R#', ':c': 'C#' },
        convert: async (stored) => {
          // The keys follow from the item's own key: whoever wrote it since (a writer of layout 4 sets the same) agrees.
          await this.doc.send(new UpdateCommand({
            TableName: this.tableName, Key: { pk: stored.pk, sk: stored.sk }, UpdateExpression: 'SET g4pk = :p, g4sk = :s', ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: Object.fromEntries(Object.entries(scopeKeys(scopeOfId(stored.scope), stored.pk, stored.sk)).map(([k, v]) => [k === 'g4pk' ? ':p' : ':s', v])),
          })).catch((error: unknown) => { if (!(error instanceof ConditionalCheckFailedException)) throw error; });
          return { converted: true, extra: 0 };
        },
      };
    }
    return {
      filter: '(sk = :f AND attribute_exists(#scope) AND attribute_exists(g3pk)) OR (begins_with(sk, :r) AND begins_with(g1sk, :ref))',
      values: { ':f': 'F', ':r': 'R#', ':ref': 'ref#' },
      convert: async (stored) => {
        if (stored.kind === ('reference' as never)) return { converted: false, extra: await this.markForeign(stored as unknown as ReferenceItem) };
        if (sweepIndexed(stored)) return { converted: false, extra: 0 };
        // Any writer of layout 3 writes these kinds without the keys: removing them is right whoever wrote the item last.
        await this.doc.send(new UpdateCommand({
          TableName: this.tableName, Key: { pk: stored.pk, sk: stored.sk }, UpdateExpression: 'REMOVE g3pk, g3sk', ConditionExpression: 'attribute_exists(pk)',
        })).catch((error: unknown) => { if (!(error instanceof ConditionalCheckFailedException)) throw error; });
        return { converted: true, extra: 0 };
      },
    };
  }

  private async step(version: number, step: Step, onPage: (converted: number) => void, pageSize: number | undefined): Promise<{ converted: number; extra: number; resumed: boolean }> {
    const saved = (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: CURSOR, ConsistentRead: true }))).Item;
    // A cursor without a version was saved by the 1→2 upgrade of ecr-ledger before layout 3.
    const cursor = saved && Number(saved.from ?? 1) === version ? saved.cursor as Item : undefined;
    let start = cursor;
    let converted = 0;
    let extra = 0;
    do {
      const page: ScanCommandOutput = await this.doc.send(new ScanCommand({
        TableName: this.tableName, ExclusiveStartKey: start, ...(pageSize && { Limit: pageSize }), FilterExpression: step.filter,
        ExpressionAttributeValues: step.values, ExpressionAttributeNames: { '#scope': 'scope' },
      }));
      for (const stored of (page.Items ?? []) as unknown as FactItem[]) {
        const done = await step.convert(stored);
        if (done.converted) converted += 1;
        extra += done.extra;
      }
      start = page.LastEvaluatedKey;
      if (start) await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...CURSOR, from: version, cursor: start } }));
      onPage(converted);
    } while (start);
    return { converted, extra, resumed: cursor !== undefined };
  }

  /** A reference from another scope gets the repository index's `xref#` prefix (layout 3); 1 if it did, else 0. */
  private async markForeign(reference: ReferenceItem): Promise<number> {
    if (!reference.g1sk || referencePrefix(scopeOfId(reference.scope), scopeOfId(reference.target)) === 'ref') return 0;
    try {
      await this.doc.send(new UpdateCommand({
        TableName: this.tableName, Key: { pk: reference.pk, sk: reference.sk }, UpdateExpression: 'SET g1sk = :x',
        ConditionExpression: 'g1sk = :old', ExpressionAttributeValues: { ':x': `x${reference.g1sk}`, ':old': reference.g1sk },
      }));
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error; // rewritten since by a writer of layout 3
    }
    return 1;
  }

  /** The fact item itself only if no event rewrote it since it was read (an event writes layout 2 already); references if no newer ones exist. */
  private async putUnlessChanged(item: Item, stored: FactItem): Promise<void> {
    const isFact = item.sk === 'F';
    try {
      await this.doc.send(new PutCommand({
        TableName: this.tableName, Item: item,
        ConditionExpression: isFact ? 'observedAt = :at' : 'attribute_not_exists(pk) OR observedAt <= :at', ExpressionAttributeValues: { ':at': stored.observedAt },
      }));
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

/** Whether a fact item of layout 3 belongs in the sweep index: an image the index already holds, or a kind it always holds. */
const sweepIndexed = (item: FactItem) => item.kind === 'image' || SWEEP_INDEXED_KINDS.has(item.kind as never);

/** One layout-1 fact item as layout 2 has it: the same attributes with the group keys, then its references and claims. */
export function converted1to2(stored: FactItem): Record<string, unknown>[] {
  const scope = scopeOfId(stored.scope);
  if (stored.deleted) return [stored as unknown as Record<string, unknown>];
  const keyed = stored.kind === 'image'
    ? imageItem(scope, stored.fact as unknown as ImageFact, stored.observedAt, undefined)
    : factItem(scope, stored.kind as Exclude<FactItem['kind'], 'image' | 'tag-claim'>, stored.fact, stored.observedAt);
  // Keys from the new layout (the sweep index sharded); everything the ledger remembers (history, version) from the stored item.
  const item: FactItem = { ...stored, ...pick(keyed, ['g1pk', 'g1sk', 'g2pk', 'g2sk']), ...(stored.g3pk !== undefined && sweepKeys(scope, stored.pk)) };
  return withReferences(scope, item) as unknown as Record<string, unknown>[];
}

function pick(item: FactItem, keys: ReadonlyArray<keyof FactItem>): Partial<FactItem> {
  return Object.fromEntries(keys.filter((k) => item[k] !== undefined).map((k) => [k, item[k]]));
}
