import type { RegionProbe } from '../domain/region-probe.js';
import { scopeKey, type AccountFacts, type Scope } from '../domain/facts.js';
import type { FactView } from './plan.js';
import type { LedgerContents, LedgerStore, Watermark } from './ports.js';

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
