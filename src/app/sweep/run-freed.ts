import { imageKey } from '../../domain/facts.js';
import { freedBytes, type LayeredImage } from '../../domain/freed-bytes.js';
import type { SweepReport } from './report.js';

/**
 * What a finished run freed (a dry run: would free): the layers of the images it deleted that no image left in the
 * registry names (`registry`: the scope's images after the run). Archived images keep their layers. Undefined when a
 * layer is unknown (an image the ledger never read the manifest of).
 */
export function runFreedBytes(report: Pick<SweepReport, 'images' | 'alreadyGone' | 'action'>, registry: readonly LayeredImage[]): RunFreed | undefined {
  const deleted = report.images.filter((i) => (i.action ?? report.action) === 'delete');
  const gone = new Set([...deleted, ...report.alreadyGone].map((i) => imageKey(i.repositoryName, i.imageDigest)));
  const staying = registry.filter((i) => !gone.has(imageKey(i.repositoryName, i.imageDigest)));
  const freed = freedBytes(deleted, staying);
  return freed && { bytesFreed: freed.total, bytesFreedByRepository: Object.fromEntries([...freed.byRepository].sort(([a], [b]) => a.localeCompare(b))) };
}

/** What a run freed, in all and per repository (a layer two repositories' deletions share counts in each). */
export interface RunFreed {
  readonly bytesFreed: number;
  readonly bytesFreedByRepository: Readonly<Record<string, number>>;
}
