import type { OutsideDeletions } from './undo/outside-deletion.js';
import type { Config } from '../config.js';
import { imageKey, isArchived, type AccountFacts, type ImageFact } from '../domain/facts.js';
import { knownFacts } from '../snapshot/from-facts.js';
import { parseSnapshot } from '../snapshot/read-snapshot.js';
import { snapshotToFacts } from '../snapshot/to-facts.js';
import type { AccountRead, AccountReader, CheckpointEntry, LedgerStore } from './ports.js';
import { reconcileLedger, type ReconcileResult } from './reconcile.js';

export interface LiveFacts {
  readonly facts: AccountFacts;
  readonly read: AccountRead;
}

/** Reads the live account and validates it exactly as a snapshot file is validated. */
export async function readLiveFacts(
  reader: AccountReader, known?: AccountFacts, checkpoint: readonly CheckpointEntry[] = [], onImmutableRead?: (entry: CheckpointEntry) => Promise<void>,
): Promise<LiveFacts> {
  const read = await reader.read(knownFacts(known, checkpoint), onImmutableRead);
  return { facts: snapshotToFacts(parseSnapshot(read.snapshot, 'live AWS read')), read };
}

export interface LiveReconcileResult extends ReconcileResult {
  readonly scope: AccountFacts['scope'];
  readonly capturedAt: string;
  readonly warnings: readonly string[];
  readonly calls: Readonly<Record<string, number>>;
  /** Immutable facts an earlier, interrupted read had checkpointed and this one did not fetch again. */
  readonly resumed: number;
  /** Images in ECR's archive storage class (ARCHIVED or ACTIVATING): restore on use looks further only when there are any. */
  readonly archived: number;
  /** The archived images (ARCHIVED or ACTIVATING) and the indexes that name them: what restore on use judges. */
  readonly archivedImages: readonly ImageFact[];
}

/** Saves checkpoint entries in batches while a read is running. */
class CheckpointBuffer {
  private pending: CheckpointEntry[] = [];
  constructor(private readonly ledger: LedgerStore, private readonly scope: AccountFacts['scope']) {}
  readonly add = async (entry: CheckpointEntry): Promise<void> => {
    this.pending.push(entry);
    if (this.pending.length >= 100) await this.flush();
  };
  async flush(): Promise<void> {
    const batch = this.pending.splice(0);
    if (batch.length > 0) await this.ledger.saveCheckpoint(this.scope, batch);
  }
}

/**
 * The bootstrap and the daily safety net: reads the live account, reusing the immutable facts the ledger
 * already holds, and reconciles the ledger with it. No fact is written unless the whole read succeeded; the
 * immutable facts fetched on the way (task definitions, Lambda versions) are checkpointed apart from the facts,
 * so that a read that fails or runs out of time resumes where it stopped.
 */
export async function reconcileFromAws(
  deps: { ledger: LedgerStore; reader: AccountReader; clock: () => Date; deletions?: OutsideDeletions },
  config: Config,
): Promise<LiveReconcileResult> {
  const scope = await deps.reader.scope();
  const held = (await deps.ledger.scopes()).some((s) => s.accountId === scope.accountId && s.region === scope.region);
  const known = held ? (await deps.ledger.load(scope)).facts : undefined;
  const checkpoint = await deps.ledger.readCheckpoint(scope);
  const buffer = new CheckpointBuffer(deps.ledger, scope);
  let live: LiveFacts;
  try {
    live = await readLiveFacts(deps.reader, known, checkpoint, buffer.add);
  } catch (error) {
    await buffer.flush().catch(() => undefined); // the read's own error is the one to report
    throw error;
  }
  await buffer.flush();
  const { facts, read } = live;
  const coverage = `clusters ${config.scope.clusters.join(',')}; functions ${config.scope.functions.join(',')}`;
  const source = `live AWS (${read.warnings.length === 0 ? 'complete' : `degraded: ${read.warnings.join(' | ')}`}; ${coverage})`;
  const result = await reconcileLedger(deps, { facts, config, source, ...(known && { previous: known }) });
  await deps.ledger.clearCheckpoint(scope);
  const archived = facts.images.filter(isArchived);
  const archivedKeys = new Set(archived.map((i) => imageKey(i.repositoryName, i.imageDigest)));
  const parents = facts.images.filter((i) => !isArchived(i) && i.childDigests.some((c) => archivedKeys.has(imageKey(i.repositoryName, c))));
  return { ...result, scope: facts.scope, capturedAt: facts.capturedAt, warnings: read.warnings, calls: read.calls, resumed: checkpoint.length, archived: archived.length, archivedImages: [...archived, ...parents] };
}
