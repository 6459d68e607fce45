import { imageKey, scopeKey, type AccountFacts, type Scope } from './facts.js';
import type { WindowOptions } from './protection-window.js';
import { computeUsage, type Referrer, type Usage } from './usage.js';

/**
 * The usage of `target`'s images by every scope the ledger holds: each other scope's referrers are judged with that
 * scope's own facts (its family windows, services, tasks), then counted with the target's own. Referrers of a replica
 * that a deletion here would delete too (the repository's `deleteReplicatesTo`) count for the source image, marked
 * `viaReplication`: the replica has the same digest, and the same tags as replicated.
 */
export function usageAcrossScopes(target: AccountFacts, others: readonly AccountFacts[], options: WindowOptions): Usage {
  const id = scopeKey(target.scope);
  const replicas = replicaTargets(target);
  const external = new Map<string, Referrer[]>();
  const add = (key: string, referrers: readonly Referrer[]) => external.set(key, [...(external.get(key) ?? []), ...referrers]);
  for (const other of others) {
    const otherId = scopeKey(other.scope);
    // A destination the ledger holds as a scope of its own: its referrers name the replicas as local images.
    const local = replicas.find((r) => scopeKey(r.scope) === otherId);
    const foreign = [...(otherId === id ? [] : [target]), ...replicas.filter((r) => r !== local)];
    const held = new Set(other.images.map((i) => imageKey(i.repositoryName, i.imageDigest)));
    const withReplicas = local ? { ...other, images: [...other.images, ...local.images.filter((i) => !held.has(imageKey(i.repositoryName, i.imageDigest)))] } : other;
    const found = computeUsage(withReplicas, options, { foreign });
    if (otherId !== id) for (const [key, referrers] of found.foreign.get(id) ?? []) add(key, referrers);
    const viaReplication = (referrers: readonly Referrer[]) => referrers.map((r) => ({ ...r, viaReplication: true as const }));
    for (const replica of replicas) {
      const perImage = replica === local ? found.referrers : found.foreign.get(scopeKey(replica.scope)) ?? new Map();
      const keys = new Set(replica.images.map((i) => imageKey(i.repositoryName, i.imageDigest)));
      for (const [key, referrers] of perImage) if (keys.has(key)) add(key, viaReplication(referrers));
    }
  }
  return computeUsage(target, options, { external });
}

/** The target's images as they stand replicated in each destination a deletion would reach. */
function replicaTargets(target: AccountFacts): AccountFacts[] {
  const byDestination = new Map<string, { scope: Scope; repositories: Set<string> }>();
  for (const repository of target.repositories) {
    for (const destination of repository.deleteReplicatesTo ?? []) {
      const key = scopeKey(destination);
      if (key === scopeKey(target.scope)) continue;
      const entry = byDestination.get(key) ?? { scope: destination, repositories: new Set<string>() };
      entry.repositories.add(repository.repositoryName);
      byDestination.set(key, entry);
    }
  }
  return [...byDestination.values()].map(({ scope, repositories }) => ({
    ...target, scope, images: target.images.filter((i) => repositories.has(i.repositoryName)),
  }));
}
