import type { Config } from '../config.js';
import type { AccountFacts } from '../domain/facts.js';
import { knownFacts } from '../snapshot/from-facts.js';
import { parseSnapshot } from '../snapshot/read-snapshot.js';
import { snapshotToFacts } from '../snapshot/to-facts.js';
import type { AccountRead, AccountReader, LedgerStore } from './ports.js';
import { reconcileLedger, type ReconcileResult } from './reconcile.js';

export interface LiveFacts {
  readonly facts: AccountFacts;
  readonly read: AccountRead;
}

/** Reads the live account and validates it exactly as a snapshot file is validated. */
export async function readLiveFacts(reader: AccountReader, known?: AccountFacts): Promise<LiveFacts> {
  const read = await reader.read(knownFacts(known));
  return { facts: snapshotToFacts(parseSnapshot(read.snapshot, 'live AWS read')), read };
}

export interface LiveReconcileResult extends ReconcileResult {
  readonly scope: AccountFacts['scope'];
  readonly capturedAt: string;
  readonly warnings: readonly string[];
  readonly calls: Readonly<Record<string, number>>;
}

/**
 * The bootstrap and the daily safety net: reads the live account, reusing the immutable facts the ledger
 * already holds, and reconciles the ledger with it. Nothing is written unless the whole read succeeded.
 */
export async function reconcileFromAws(
  deps: { ledger: LedgerStore; reader: AccountReader; clock: () => Date },
  config: Config,
): Promise<LiveReconcileResult> {
  const scope = await deps.reader.scope();
  const held = (await deps.ledger.scopes()).some((s) => s.accountId === scope.accountId && s.region === scope.region);
  const known = held ? (await deps.ledger.load(scope)).facts : undefined;
  const { facts, read } = await readLiveFacts(deps.reader, known);
  const source = `live AWS (${read.warnings.length === 0 ? 'complete' : `degraded: ${read.warnings.length} warning(s)`})`;
  const result = await reconcileLedger(deps, { facts, config, source });
  return { ...result, scope: facts.scope, capturedAt: facts.capturedAt, warnings: read.warnings, calls: read.calls };
}
