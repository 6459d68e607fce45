import type { RepositoryFact, Scope } from './facts.js';
import { accountGrantText, organizationGrantText, repositoryGrants } from './repository-grants.js';

/**
 * The reach of a deletion: every scope (account, region) whose workloads could be using an image of a repository, or
 * that loses its copy when the image is deleted. One module answers it for every path that deletes, archives, announces
 * or plans; each scope in the reach must be read live now or held fresh, or the repository is kept whole.
 */

/** Why a scope is in the reach. */
export type ReachVia = 'registry' | 'region' | 'policy' | 'organization' | 'replication';

/** How a scope's usage is known now. */
export type Standing =
  | { readonly readable: true; readonly how: 'live' | 'ledger' | 'snapshot' }
  /** `unheld`: the ledger holds nothing of it; `stale`: not reconciled within maxLedgerAgeHours; `failed`: a live read failed now. */
  | { readonly readable: false; readonly problem: 'unheld' | 'stale' | 'failed'; readonly why: string };

/** What the reach is computed from: where workloads run, which accounts exist, and how each scope stands. */
export interface ReachWorld {
  readonly registry: Scope;
  /** The registry account's other regions where workloads run. */
  readonly workloadRegions: readonly string[];
  /** The regions known for another account (its configured regions, the regions the ledger holds); none: unknown. */
  readonly regionsOf: (accountId: string) => readonly string[];
  /** What the region probe found in a region of an account (none: the region was not found by a probe). */
  readonly regionNote?: (accountId: string, region: string) => string | undefined;
  /** The organisation the config describes: its id and its accounts (listed, or discovered). */
  readonly organization?: { readonly id?: string; readonly accounts: readonly string[] };
  /** Configured organisation members: their use always counts, whatever keepIfSharedWithOtherAccounts says. */
  readonly members: ReadonlySet<string>;
  readonly standing: (scope: Scope) => Standing;
}

export interface ReachedScope {
  readonly accountId: string;
  /** `*`: every region of the account, none of which is known. */
  readonly region: string;
  readonly via: ReachVia;
  readonly because: string;
  readonly standing: Standing;
}

/** A scope in the reach that cannot be read now (the JSON reports' `unreadableScopes`). */
export interface UnreadableScope {
  readonly account: string;
  readonly region: string;
  readonly why: string;
}

export interface RepositoryReach {
  readonly repositoryName: string;
  readonly scopes: readonly ReachedScope[];
  /** A grant no account list bounds: anyone could pull, so nobody can say nobody does. */
  readonly unbounded?: string;
}

const scopeText = (s: { accountId: string; region: string }) => `${s.accountId}/${s.region}`;

/** The reach of a deletion in `repository` of `world.registry`, each scope with how it stands now. */
export function reachOf(repository: RepositoryFact, world: ReachWorld): RepositoryReach {
  const { registry } = world;
  const found = new Map<string, ReachedScope>();
  const add = (accountId: string, region: string, via: ReachVia, because: string) => {
    const key = `${accountId}/${region}`;
    if (found.has(key)) return;
    const note = world.regionNote?.(accountId, region);
    const standing: Standing = region === '*'
      ? { readable: false, problem: 'unheld', why: note ?? 'the ledger does not hold it (no region of the account is held or configured)' }
      : world.standing({ accountId, region });
    if (note !== undefined && region !== '*') because = `${because}; ${note}`;
    found.set(key, { accountId, region, via, because, standing });
  };
  const addAccount = (accountId: string, via: ReachVia, because: string) => {
    if (accountId === registry.accountId) return; // the registry's own account: its regions are counted below
    const regions = world.regionsOf(accountId);
    if (regions.length === 0) add(accountId, '*', via, because);
    for (const region of regions) add(accountId, region, via, because);
  };
  add(registry.accountId, registry.region, 'registry', 'the registry itself');
  for (const region of world.workloadRegions) if (region !== registry.region) add(registry.accountId, region, 'region', `workloads in ${region} of ${registry.accountId} can pull from it`);
  for (const destination of repository.deleteReplicatesTo ?? []) {
    add(destination.accountId, destination.region, 'replication', `a deletion replicates to ${scopeText(destination)} (replication rule with deleteReplication)`);
  }
  const grants = repositoryGrants(repository.policyText, registry.accountId);
  for (const { account, text } of grants.accounts) addAccount(account, 'policy', accountGrantText(text));
  let unbounded = grants.unbounded;
  for (const organization of grants.organizations) {
    const because = organizationGrantText(organization);
    if (world.organization?.id !== organization) {
      unbounded ??= `${because}, and the config's organization.id is ${world.organization?.id ? `${world.organization.id}, another one` : 'not set'}`;
      continue;
    }
    if (world.organization.accounts.length === 0) unbounded ??= `${because}, and its accounts are not known`;
    for (const account of world.organization.accounts) addAccount(account, 'organization', because);
  }
  return { repositoryName: repository.repositoryName, scopes: [...found.values()], ...(unbounded !== undefined && { unbounded }) };
}

/** The scopes of a reach that cannot be read now. */
export function unreadableScopes(reach: RepositoryReach): UnreadableScope[] {
  return reach.scopes.filter((s) => !s.standing.readable).map((s) => ({ account: s.accountId, region: s.region, why: (s.standing as { why: string }).why }));
}

/**
 * Why a reach keeps its repository whole (empty: it does not). A scope that cannot be read keeps it — but a grant to an
 * account the ledger never held, or to everyone, is the operator's to waive (keepIfSharedWithOtherAccounts: false);
 * a replication destination, a region of the registry's account and a configured member never are.
 */
export function reachKeeps(reach: RepositoryReach, keepIfShared: boolean, members: ReadonlySet<string>): string[] {
  const reasons: string[] = [];
  if (reach.unbounded !== undefined && keepIfShared) reasons.push(`repository shared with other accounts: ${reach.unbounded}; their use is invisible here (keepIfSharedWithOtherAccounts)`);
  // Scopes blocked for the same reason are said once, together (an organisation's 57 unheld regions are one line).
  const groups = new Map<string, Array<ReachedScope & { standing: { readable: false; why: string } }>>();
  for (const s of blockingScopes(reach, keepIfShared, members)) {
    const key = `${s.via === 'policy' || s.via === 'organization' ? 'shared' : ''}|${s.standing.why}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  for (const group of groups.values()) {
    const s = group[0]!;
    const shared = s.via === 'policy' || s.via === 'organization' ? 'repository shared with other accounts: ' : '';
    if (group.length === 1) { reasons.push(`${shared}a deletion reaches ${scopeText(s)} (${s.because}): ${s.standing.why}`); continue; }
    const named = group.slice(0, 5).map(scopeText).join(', ');
    const because = new Set(group.map((g) => g.because)).size === 1 ? ` (${s.because})` : '';
    reasons.push(`${shared}a deletion reaches ${group.length} account/regions${because} — for each, ${s.standing.why}: ${named}${group.length > 5 ? ` and ${group.length - 5} more` : ''}`);
  }
  return reasons;
}

/** The accounts a grant lets pull when every one of them is judged (read live or held fresh); none otherwise. */
export function coveredAccounts(reach: RepositoryReach): string[] {
  const granted = reach.scopes.filter((s) => s.via === 'policy' || s.via === 'organization');
  if (reach.unbounded !== undefined || granted.some((s) => !s.standing.readable)) return [];
  return [...new Set(granted.map((s) => s.accountId))].sort();
}

/** The scopes of a reach that cannot be read now and are not waived: each keeps the repository whole. */
export function blockingScopes(reach: RepositoryReach, keepIfShared: boolean, members: ReadonlySet<string>): Array<ReachedScope & { standing: { readable: false; why: string } }> {
  const waivable = (s: ReachedScope) => (s.via === 'policy' || s.via === 'organization') && !members.has(s.accountId) && !s.standing.readable && s.standing.problem === 'unheld';
  return reach.scopes.filter((s): s is ReachedScope & { standing: { readable: false; why: string } } => !s.standing.readable && !(waivable(s) && !keepIfShared));
}

/** The reach as `explain -o json` shows it: each scope with why it is reached and how it was judged. */
export function reachJson(reach: RepositoryReach) {
  return {
    scopes: reach.scopes.map((s) => ({ account: s.accountId, region: s.region, via: s.via, because: s.because, ...(s.standing.readable ? { judged: s.standing.how } : { judged: 'unreadable', why: s.standing.why }) })),
    ...(reach.unbounded !== undefined && { unbounded: reach.unbounded }),
  };
}

/** What a reader of `explain` is told about each scope the reach counts. */
export function reachLines(reach: RepositoryReach): string[] {
  const how = { live: 'read live now', ledger: 'held fresh in the ledger', snapshot: 'in the snapshot' } as const;
  // Scopes that cannot be judged for the same reason are one line (an organisation's 57 unheld regions, not 57 lines).
  const unjudged = new Map<string, ReachedScope[]>();
  for (const s of reach.scopes) if (!s.standing.readable) unjudged.set(s.standing.why, [...(unjudged.get(s.standing.why) ?? []), s]);
  const grouped = (s: ReachedScope) => !s.standing.readable && unjudged.get(s.standing.why)!.length > 1;
  return [
    ...reach.scopes.filter((s) => !grouped(s)).map((s) => `${scopeText(s)}: ${s.because}; ${s.standing.readable ? how[s.standing.how] : `cannot be judged: ${s.standing.why}`}`),
    ...[...unjudged].filter(([, group]) => group.length > 1).map(([why, group]) => `${group.length} account/regions cannot be judged: ${why} (${group.slice(0, 5).map(scopeText).join(', ')}${group.length > 5 ? ` and ${group.length - 5} more` : ''})`),
    ...(reach.unbounded ? [`anyone: ${reach.unbounded}`] : []),
  ];
}
