import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import { LayoutError } from '../errors.js';
import { factItem, imageItem, sweepKeys, withReferences, type FactItem } from './ledger-items.js';
import type { ImageFact } from '../domain/facts.js';

/**
 * The table layout the items follow. 1: facts only (ecr-ledger 0.1). 2: facts with their references and group keys.
 * An item `LAYOUT / LAYOUT` records it; a table without one is new (empty) or of layout 1.
 */
export const LAYOUT_VERSION = 2;
const MARKER = { pk: 'LAYOUT', sk: 'LAYOUT' };
/** Where an interrupted upgrade resumes (the last fact item it converted). */
const CURSOR = { pk: 'LAYOUT', sk: 'UPGRADE' };

export interface UpgradeProgress {
  readonly from: number;
  readonly to: number;
  readonly converted: number;
  readonly references: number;
  readonly resumed: boolean;
}

/** Reads and upgrades the layout of one ledger table. */
export class LedgerLayout {
  constructor(private readonly doc: DynamoDBDocumentClient, private readonly tableName: string) {}

  /** The table's layout: the marker's version, LAYOUT_VERSION for an empty table (which gets the marker), else 1. */
  async version(): Promise<number> {
    const marker = (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: MARKER, ConsistentRead: true }))).Item;
    if (marker) return Number(marker.version);
    const any = await this.doc.send(new ScanCommand({ TableName: this.tableName, Limit: 1 }));
    if ((any.Items ?? []).length > 0) return 1;
    await this.mark();
    return LAYOUT_VERSION;
  }

  /** Fails with a pointer to `ecr-ledger upgrade` unless the table is of the current layout. */
  async require(describe: string, upgradeFlags: string): Promise<void> {
    const version = await this.version();
    if (version === LAYOUT_VERSION) return;
    if (version > LAYOUT_VERSION) throw new LayoutError(`${describe} was written by a newer ecr-ledger (layout ${version}; this one reads ${LAYOUT_VERSION}): upgrade ecr-ledger`);
    throw new LayoutError(`${describe} was written by an older ecr-ledger (layout ${version}): run \`ecr-ledger upgrade ${upgradeFlags}\` to convert it in place (pins, history and the audit trail are kept)`);
  }

  private async mark(): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...MARKER, version: LAYOUT_VERSION, markedAt: new Date().toISOString() } }));
  }

  /**
   * Converts a layout-1 table in place: every fact item gets its group keys and references, in pages; the cursor is
   * saved after each page, so a crash resumes where it stopped, and converting an item twice writes the same item.
   * Nothing is removed: pins, history stamps, tombstones, watermarks, checkpoints and audit records stay as they are.
   */
  async upgrade(onPage?: (converted: number) => void, pageSize?: number): Promise<UpgradeProgress> {
    const from = await this.version();
    if (from >= LAYOUT_VERSION) return { from, to: from, converted: 0, references: 0, resumed: false };
    const cursor = (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: CURSOR, ConsistentRead: true }))).Item?.cursor as Record<string, unknown> | undefined;
    let start = cursor;
    let converted = 0;
    let references = 0;
    do {
      const page: ScanCommandOutput = await this.doc.send(new ScanCommand({
        TableName: this.tableName, ExclusiveStartKey: start, ...(pageSize && { Limit: pageSize }), FilterExpression: 'sk = :f AND attribute_exists(#scope)', ExpressionAttributeValues: { ':f': 'F' }, ExpressionAttributeNames: { '#scope': 'scope' },
      }));
      for (const stored of (page.Items ?? []) as unknown as FactItem[]) {
        const items = converted1to2(stored);
        for (const item of items) await this.putUnlessChanged(item, stored);
        converted += 1;
        references += items.length - 1;
      }
      start = page.LastEvaluatedKey;
      if (start) await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...CURSOR, cursor: start } }));
      onPage?.(converted);
    } while (start);
    await this.mark();
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: CURSOR }));
    return { from, to: LAYOUT_VERSION, converted, references, resumed: cursor !== undefined };
  }

  /** The fact item itself only if no event rewrote it since it was read (an event writes layout 2 already); references if no newer ones exist. */
  private async putUnlessChanged(item: Record<string, unknown>, stored: FactItem): Promise<void> {
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

/** One layout-1 fact item as layout 2 has it: the same attributes with the group keys, then its references and claims. */
export function converted1to2(stored: FactItem): Record<string, unknown>[] {
  const [accountId, region] = stored.scope.split('#');
  const scope = { accountId: accountId!, region: region! };
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
