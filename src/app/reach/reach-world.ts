import type { Config } from '../../config.js';
import { scopeKey, type Scope } from '../../domain/facts.js';
import type { ReachWorld, Standing } from '../../domain/reach.js';
import { workloadRegionsOf, type RegionProbe } from '../../domain/region-probe.js';
import type { Watermark } from '../ports.js';
import { staleness } from '../../domain/freshness.js';


export interface ReachReads {
  readonly registry: Scope;
  /** How the registry itself is known: read live now (a sweep), or from the ledger or a snapshot (a plan). */
  readonly home: 'live' | 'ledger' | 'snapshot';
  /** Every scope the ledger holds, with its watermark (scopes only events have fed have none). */
  readonly held: ReadonlyArray<{ readonly scope: Scope; readonly watermark?: Watermark }>;
  /** Scopes read live in this run (organisation members). */
  readonly live?: readonly Scope[];
  /** Accounts whose live read failed in this run, with why. */
  readonly failed?: ReadonlyMap<string, string>;
  /** The organisation's accounts as discovered (config `organization.discover`). */
  readonly discovered?: readonly string[];
  /** The organisation's id as discovery read it (the config's `organization.id` wins). */
  readonly organizationId?: string;
  /** Each account's last region probe: the regions where workloads run. */
  readonly probes?: readonly RegionProbe[];
  readonly now: string;
}

/**
 * The world a deletion's reach is judged in, from what this run read: the registry, the scopes read live, and the
 * ledger's watermarks (a scope reconciled within maxLedgerAgeHours is held fresh; one older, or not held, cannot be
 * judged). Every path that deletes, archives, announces or plans builds its world here.
 */
export function reachWorld(config: Config, reads: ReachReads): ReachWorld {
  const { registry, now } = reads;
  // The config's organization.id wins over the one discovery read.
  const organizationId = config.organization?.id ?? reads.organizationId;
  const org = config.organization;
  const accounts = !org ? [] : 'accounts' in org ? org.accounts.map((a) => a.id) : [...(reads.discovered ?? [])];
  const configuredRegions = (accountId: string): string[] => {
    if (!org) return [];
    if ('accounts' in org) return [...(org.accounts.find((a) => a.id === accountId)?.regions ?? [])];
    return accounts.includes(accountId) || accountId === registry.accountId ? [...org.regions] : [];
  };
  const heldRegions = (accountId: string) => reads.held.filter((h) => h.scope.accountId === accountId).map((h) => h.scope.region);
  // scope.ignoreRegions speaks only for the registry account's own probed regions (the operator knows its workloads
  // there do not pull from here): never for a member's region, a configured or held one, or a replication destination.
  const probed = new Map((reads.probes ?? []).map((p) => [p.accountId, workloadRegionsOf(p, p.accountId === registry.accountId ? config.scope.ignoreRegions : [])]));
  const regionsOf = (accountId: string) => [...new Set([
    ...configuredRegions(accountId), ...heldRegions(accountId), ...(reads.live ?? []).filter((s) => s.accountId === accountId).map((s) => s.region), ...(probed.get(accountId)?.keys() ?? []),
  ])].sort();
  const watermarks = new Map(reads.held.map((h) => [scopeKey(h.scope), h.watermark]));
  const live = new Set((reads.live ?? []).map(scopeKey));
  const maxAge = config.sweep.maxLedgerAgeHours;
  const standing = (scope: Scope): Standing => {
    const key = scopeKey(scope);
    if (key === scopeKey(registry)) return { readable: true, how: reads.home };
    if (live.has(key)) return { readable: true, how: 'live' };
    const failure = reads.failed?.get(scope.accountId);
    if (failure !== undefined) return { readable: false, problem: 'failed', why: `cannot be read now (${failure})` };
    if (!watermarks.has(key)) return { readable: false, problem: 'unheld', why: 'the ledger does not hold it' };
    const watermark = watermarks.get(key);
    if (!watermark) return { readable: false, problem: 'stale', why: 'the ledger holds it but it was never reconciled' };
    const stale = staleness(watermark, maxAge, now);
    if (stale) return { readable: false, problem: 'stale', why: `the ledger holds it, but ${stale}` };
    return { readable: true, how: 'ledger' };
  };
  return {
    registry,
    workloadRegions: regionsOf(registry.accountId).filter((r) => r !== registry.region),
    regionsOf,
    regionNote: (accountId, region) => probed.get(accountId)?.get(region),
    ...(org && { organization: { ...(organizationId !== undefined && { id: organizationId }), accounts } }),
    members: new Set(accounts),
    standing,
  };
}
