import { type ImageFact, type Scope } from '../../domain/facts.js';
import { planRetention } from '../../domain/retention-policy.js';
import { candidatesWithReferrers } from '../candidate-referrers.js';
import { emptyFacts } from '../indexed-usage.js';
import type { UsageIndex } from '../usage-index.js';
import { archivedInUseOf, restoreOnUse, type RestoredOnUse, type RestoreOnUseDeps } from './restore-on-use.js';

/**
 * After a reconcile: every archived image the ledger now holds in use in `scope` (whoever archived it — a lifecycle
 * rule often did) is restored, or told with the command that restores it. Judged on the archived images the reconcile
 * read (with the indexes that name them: a child is in use through its index) and their referrers in every scope,
 * read through the index — not on the whole ledger.
 */
export async function restoreArchivedInUse(deps: RestoreOnUseDeps & { readonly index: UsageIndex }, scope: Scope, archived: readonly ImageFact[]): Promise<RestoredOnUse[]> {
  if (archived.length === 0) return [];
  const now = deps.clock().toISOString();
  const { facts, others } = await candidatesWithReferrers(deps.index, { facts: { ...emptyFacts(scope, now), images: [...archived] }, history: new Map() }, now);
  const plan = planRetention(facts, new Map(), { config: deps.config, now, historySource: 'ledger', others });
  return restoreOnUse(deps, archivedInUseOf(plan, scope));
}
