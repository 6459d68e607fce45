import type { Scope } from '../../domain/facts.js';
import { evaluate, type FactView } from '../plan.js';
import { archivedInUseOf, restoreOnUse, type RestoredOnUse, type RestoreOnUseDeps } from './restore-on-use.js';

/**
 * After a reconcile: every archived image the ledger now holds in use in `scope` (whoever archived it — a lifecycle
 * rule often did) is restored, or told with the command that restores it.
 */
export async function restoreArchivedInUse(deps: RestoreOnUseDeps & { readonly view: (scope: Scope) => Promise<FactView> }, scope: Scope): Promise<RestoredOnUse[]> {
  const view = await deps.view(scope);
  const plan = evaluate(view, deps.config, deps.clock().toISOString());
  return restoreOnUse(deps, archivedInUseOf(plan, scope));
}
