import type { Scope } from './facts.js';

/** One rule of a registry's replication configuration (DescribeRegistry), as ecr-ledger reads it. */
export interface ReplicationRule {
  readonly destinations: readonly Scope[];
  /** PREFIX_MATCH filters on repository names; none: every repository. */
  readonly repositoryPrefixes: readonly string[];
  /** deleteReplication.enabled: a deletion in the source is replicated to every destination. */
  readonly replicatesDeletes: boolean;
}

/** The destinations a deletion in `repositoryName` of `registry` is replicated to, sorted, each once. */
export function deleteDestinations(rules: readonly ReplicationRule[], registry: Scope, repositoryName: string): Scope[] {
  const found = new Map<string, Scope>();
  for (const rule of rules) {
    if (!rule.replicatesDeletes) continue;
    if (rule.repositoryPrefixes.length > 0 && !rule.repositoryPrefixes.some((p) => repositoryName.startsWith(p))) continue;
    for (const d of rule.destinations) {
      if (d.accountId === registry.accountId && d.region === registry.region) continue;
      found.set(`${d.accountId}/${d.region}`, d);
    }
  }
  return [...found.values()].sort((a, b) => a.accountId.localeCompare(b.accountId) || a.region.localeCompare(b.region));
}
