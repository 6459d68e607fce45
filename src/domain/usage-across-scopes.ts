import { scopeKey, type AccountFacts } from './facts.js';
import type { WindowOptions } from './protection-window.js';
import { computeUsage, type Referrer, type Usage } from './usage.js';

/**
 * The usage of `target`'s images by every scope the ledger holds: each other scope's referrers are judged with that
 * scope's own facts (its family windows, services, tasks), then counted with the target's own.
 */
export function usageAcrossScopes(target: AccountFacts, others: readonly AccountFacts[], options: WindowOptions): Usage {
  const id = scopeKey(target.scope);
  const external = new Map<string, Referrer[]>();
  for (const other of others) {
    if (scopeKey(other.scope) === id) continue;
    for (const [key, referrers] of computeUsage(other, options, { foreign: [target] }).foreign.get(id) ?? []) {
      external.set(key, [...(external.get(key) ?? []), ...referrers]);
    }
  }
  return computeUsage(target, options, { external });
}
