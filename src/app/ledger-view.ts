import type { RegionProbe } from '../domain/region-probe.js';
import { scopeKey, type AccountFacts, type Scope } from '../domain/facts.js';
import type { FactView } from './plan.js';
import type { LedgerContents, LedgerStore, Watermark } from './ports.js';
import { candidateReferrers } from './candidate-referrers.js';
import { emptyFacts } from './indexed-usage.js';

const id = scopeKey;

/** The other scopes a ledger holds, as far as they concern one scope's images. */
export interface OtherScopes {
  readonly scopes: readonly { readonly facts: AccountFacts; readonly watermark?: Watermark }[];
  /** Each account's last region probe (the regions where workloads run). */
  readonly probes?: readonly RegionProbe[];
}

/** Every scope of the ledger but `scope`, loaded (their referrers may use `scope`'s images). */
export async function loadOtherScopes(ledger: LedgerStore, scope: Scope): Promise<OtherScopes> {
  const others = (await ledger.scopes()).filter((s) => id(s) !== id(scope));
  const loaded: LedgerContents[] = [];
  for (const other of others) loaded.push(await ledger.load(other));
  return { scopes: loaded.map((c) => ({ facts: c.facts, ...(c.watermark && { watermark: c.watermark }) })), probes: await ledger.regionProbes() };
}

/** One scope of a ledger as the read-only commands evaluate it: its facts and history, with the other scopes. */
export async function ledgerFactView(ledger: LedgerStore, scope: Scope): Promise<FactView> {
  const contents = await ledger.load(scope);
  const others = await loadOtherScopes(ledger, scope);
  return { facts: contents.facts, history: contents.history, historySource: 'ledger', ...(contents.watermark && { watermark: contents.watermark }), others };
}

/**
 * One scope of a ledger with what the other scopes hold of its images, read through the index: the scope's own items,
 * and of the others only the referrers of its images (with their families, services and functions) and their
 * watermarks — reads bounded by the scope and the references into it, never by the other scopes' size. Judged as the
 * whole-ledger view judges (tested); warnings about registries the scope's images are not in are not gathered.
 */
export async function ledgerViewByIndex(ledger: LedgerStore, scope: Scope, now: string): Promise<FactView> {
  const contents = await ledger.load(scope);
  const index = ledger.usageIndex();
  const held = await index.watermarks();
  const referring = new Map((await candidateReferrers(index, scope, contents.facts.images, now, { fromOtherScopes: true, held })).scopes.map((f) => [id(f.scope), f]));
  const others = held.filter((w) => id(w.scope) !== id(scope)).map((w) => ({ facts: referring.get(id(w.scope)) ?? emptyFacts(w.scope, now), ...(w.watermark && { watermark: w.watermark }) }));
  // A scope whose references name these images though no reconcile ever wrote it (events only) counts too.
  const unheld = [...referring.values()].filter((f) => !held.some((w) => id(w.scope) === id(f.scope)) && id(f.scope) !== id(scope)).map((facts) => ({ facts }));
  return {
    facts: contents.facts, history: contents.history, historySource: 'ledger', ...(contents.watermark && { watermark: contents.watermark }),
    others: { scopes: [...others, ...unheld], probes: await index.regionProbes() },
  };
}

/** One warning per registry the referrers name that the ledger does not hold. */
export function unheldRegistryWarnings(registries: Iterable<string>, held: readonly Scope[]): string[] {
  const known = new Set(held.map(id));
  return [...new Set(registries)].filter((r) => !known.has(r)).sort().map((r) => {
    const [account, region] = r.split('#');
    return `referrers name images of ${account}/${region}, which the ledger does not hold: what they name there is not protected by this ledger`;
  });
}

/** What a reader of a scope only events have fed must know. */
export const neverReconciled = (scope: Scope) => `scope ${scope.accountId}/${scope.region} has never been reconciled: images no event mentioned are missing`;
