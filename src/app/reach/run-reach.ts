import type { Config } from '../../config.js';
import { scopeKey, type AccountFacts, type ImageFact, type RepositoryFact, type Scope, type TaskFact } from '../../domain/facts.js';
import { reachOf, type ReachWorld } from '../../domain/reach.js';
import { candidateReferrers } from '../candidate-referrers.js';
import { readMembers, type MemberUsage, type UnreadableAccount } from '../sweep/member-usage.js';
import type { UsageIndex } from '../usage-index.js';
import { usesTheLedgerLacks, type UnheardUses } from '../usage/unheard-uses.js';
import { reachWorld } from './reach-world.js';

export interface RunReach {
  readonly world: ReachWorld;
  /** Every scope whose referrers of the candidates count besides the registry's own: members read live, the ledger's other scopes, users of replicas. */
  readonly others: readonly AccountFacts[];
  readonly unreadableAccounts: readonly UnreadableAccount[];
  readonly warnings: readonly string[];
  /**
   * Uses the members' live reads found that the ledger lacks (their news lost or late), for the ledger to store, with
   * the tasks each read listed (the ledger is asked about those naming a candidate).
   */
  readonly unheardMemberUses: ReadonlyArray<{ readonly scope: Scope; readonly tasks: readonly TaskFact[] } & UnheardUses>;
}

/**
 * What a deleting run (sweep, purge) must know beyond its own registry, read once: the organisation members in the
 * reach of a candidate's repository, read live; every other scope's referrers of the candidates as the ledger holds
 * them — members read live included, since a live read only adds protection (a member's task that stopped at 23:00 is
 * not listed by ECS at 03:00, but its image is still protected for stoppedTaskRetentionHours); the users of the
 * replicas a deletion would delete too; and the world the reach is judged in.
 */
export async function readRunReach(
  deps: { readonly index: UsageIndex; readonly config: Config; readonly members?: MemberUsage; readonly held: (scope: Scope) => Promise<AccountFacts | undefined> },
  registry: Scope, repositories: readonly RepositoryFact[], candidates: readonly ImageFact[], now: string,
): Promise<RunReach> {
  const held = await deps.index.watermarks();
  const probes = await deps.index.regionProbes();
  const memberScopes = deps.members ? (await deps.members.scopes()).filter((s) => s.accountId !== registry.accountId) : [];
  const discovered = [...new Set(memberScopes.map((s) => s.accountId))];
  const organizationId = await deps.members?.organizationId();
  const preliminary = reachWorld(deps.config, { registry, home: 'live', held, probes, discovered, ...(organizationId && { organizationId }), now });
  // Which scopes are in the reach does not depend on how they stand: judged once, before the members are read.
  const reaches = repositories.map((r) => reachOf(r, preliminary));
  const inReach = new Set(reaches.flatMap((r) => r.scopes.map((s) => `${s.accountId}/${s.region}`)));
  const toRead = memberScopes.filter((s) => inReach.has(`${s.accountId}/${s.region}`) || inReach.has(`${s.accountId}/*`));
  const members = deps.members ? await readMembers(deps.members, toRead, deps.held, now) : { live: [], held: new Map<string, AccountFacts | undefined>(), failed: new Map<string, string>(), warnings: [] };
  // Only for scopes the ledger holds: a member it never reconciled is not written into piecemeal.
  const holds = new Set(held.map((w) => `${w.scope.accountId}/${w.scope.region}`));
  const unheardMemberUses = members.live.filter((m) => holds.has(`${m.scope.accountId}/${m.scope.region}`)).map((m) => {
    const ledger = members.held.get(`${m.scope.accountId}/${m.scope.region}`);
    return { scope: m.scope, tasks: m.tasks, ...usesTheLedgerLacks(ledger ?? { taskDefinitions: [], lambdaFunctions: [] }, m) };
  });
  const world = reachWorld(deps.config, { registry, home: 'live', held, probes, discovered, ...(organizationId && { organizationId }), live: members.live.map((m) => m.scope), failed: members.failed, now });

  const fromLedger = (await candidateReferrers(deps.index, registry, candidates, now, { fromOtherScopes: true, held })).scopes;
  const replicaUsers: AccountFacts[] = [];
  const destinations = new Map<string, { scope: Scope; repositories: Set<string> }>();
  for (const r of repositories) for (const d of r.deleteReplicatesTo ?? []) {
    const entry = destinations.get(scopeKey(d)) ?? { scope: d, repositories: new Set<string>() };
    entry.repositories.add(r.repositoryName);
    destinations.set(scopeKey(d), entry);
  }
  for (const { scope, repositories: names } of destinations.values()) {
    const replicas = candidates.filter((c) => names.has(c.repositoryName));
    if (replicas.length > 0) replicaUsers.push(...(await candidateReferrers(deps.index, scope, replicas, now)).scopes);
  }
  const failedRepositories = (accountId: string) => reaches.filter((r) => r.scopes.some((s) => s.accountId === accountId)).map((r) => r.repositoryName).sort();
  const unreadableAccounts = [...members.failed].map(([accountId, reason]) => ({ accountId, reason, repositories: failedRepositories(accountId) }));
  const warnings = [
    ...members.warnings,
    ...unreadableAccounts.map((u) => `account ${u.accountId} cannot be read now (${u.reason}): nothing is deleted from the repositories it can pull from (${u.repositories.join(', ')})`),
  ];
  return { world, others: [...members.live, ...fromLedger, ...replicaUsers], unreadableAccounts, warnings, unheardMemberUses };
}
