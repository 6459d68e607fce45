import { guarded } from './ledger-guard.js';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { UsageReportStore } from '../app/ports.js';
import type { ReportedImageFact, Scope, UsageSourceFact } from '../domain/facts.js';
import { RefusedError } from '../errors.js';
import { queryAll } from './dynamodb-query.js';
import { batchWriteAll } from './dynamodb-writes.js';
import { GROUP_INDEX, REPOSITORY_INDEX, sourceGroup, sourcesPartition } from './index-keys.js';
import { requireFits } from './item-size.js';
import { factItem, factPk, withReferences, type FactItem } from './ledger-items.js';

/**
 * Usage reports in the ledger table: per source, one `usage-source` item and one `reported-image` item per image
 * (each with the references it makes, so that "who uses this image" finds the source). Neither carries anything a
 * reconcile replaces.
 */
export class DynamoDbUsageReports implements UsageReportStore {
  constructor(private readonly doc: DynamoDBDocumentClient, private readonly tableName: string) {}

  private guard<T>(what: string, run: () => Promise<T>): Promise<T> {
    return guarded(this.tableName, what, run);
  }

  async reportedImages(scope: Scope, source: string): Promise<ReportedImageFact[]> {
    return this.guard('reading a usage report', async () => {
      const items = (await queryAll(this.doc, { tableName: this.tableName, index: GROUP_INDEX, key: 'g2pk', value: sourceGroup(scope, source) })) as unknown as FactItem[];
      return items.filter((i) => i.kind === 'reported-image' && !i.deleted).map((i) => i.fact as unknown as ReportedImageFact);
    });
  }

  async sources(scope: Scope): Promise<UsageSourceFact[]> {
    return this.guard('listing usage sources', async () => {
      const items = (await queryAll(this.doc, { tableName: this.tableName, index: REPOSITORY_INDEX, key: 'g1pk', value: sourcesPartition(scope) })) as unknown as FactItem[];
      return items.filter((i) => i.kind === 'usage-source' && !i.deleted).map((i) => i.fact as unknown as UsageSourceFact);
    });
  }

  /**
   * The new set first (references before facts), then the source item, then the images it no longer reports: a
   * crash part-way leaves more images protected, never fewer. A report older than the one held is refused.
   */
  async replaceReport(scope: Scope, source: UsageSourceFact, images: readonly ReportedImageFact[], admit?: (held: UsageSourceFact | undefined) => void): Promise<{ written: number; removed: readonly ReportedImageFact[] }> {
    return this.guard('replacing a usage report', async () => {
      const held = (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: factPk(scope, 'usage-source', source.name), sk: 'F' }, ConsistentRead: true }))).Item;
      const heldFact = held && !held.deleted ? (held.fact as UsageSourceFact) : undefined;
      admit?.(heldFact);
      // A report that names no sender (the reconcile, a local ledger) leaves the source's owner as it was.
      if (source.principal === undefined && heldFact?.principal !== undefined) source = { ...source, principal: heldFact.principal };
      const heldAt = heldFact?.reportedAt;
      if (heldAt !== undefined && heldAt > source.reportedAt) throw new RefusedError(`source ${source.name} already has a newer report (${heldAt}) than this one (${source.reportedAt}); nothing was written`);
      const before = await this.reportedImages(scope, source.name);
      const items = images.map((r) => factItem(scope, 'reported-image', r, r.reportedAt));
      const sourceItem = factItem(scope, 'usage-source', source, source.reportedAt);
      for (const item of [...items, sourceItem]) requireFits(item as unknown as Record<string, unknown>, `the reported image ${String(item.fact.image ?? item.fact.name)}`);
      const puts = items.flatMap((item) => withReferences(scope, item)).map((Item) => ({ PutRequest: { Item: Item as unknown as Record<string, unknown> } }));
      await batchWriteAll(this.doc, this.tableName, puts, 4);
      await batchWriteAll(this.doc, this.tableName, withReferences(scope, sourceItem).map((Item) => ({ PutRequest: { Item: Item as unknown as Record<string, unknown> } })));
      const kept = new Set(images.map((r) => r.image));
      const gone = before.filter((r) => !kept.has(r.image));
      for (const r of gone) {
        const pk = factPk(scope, 'reported-image', `${source.name}#${r.image}`);
        const parts = await queryAll(this.doc, { tableName: this.tableName, key: 'pk', value: pk });
        // References first, the fact last: a crash part-way leaves the fact (and protection) in place.
        const ordered = [...parts.filter((p) => p.sk !== 'F'), ...parts.filter((p) => p.sk === 'F')];
        await batchWriteAll(this.doc, this.tableName, ordered.map((p) => ({ DeleteRequest: { Key: { pk: p.pk, sk: p.sk } } })));
      }
      return { written: items.length, removed: gone };
    });
  }
}
