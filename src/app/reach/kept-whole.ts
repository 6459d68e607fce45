import type { RepositoryReach, UnreadableScope } from '../../domain/reach.js';

export interface KeptWhole {
  readonly repositoryName: string;
  /** The scopes of its reach that cannot be judged now. */
  readonly scopes: readonly UnreadableScope[];
  /** One line each, for people: `web kept: a deletion reaches 123456789012/us-west-2 (…), which the ledger does not hold`. */
  readonly lines: readonly string[];
}

/** The repositories a plan keeps whole because a scope of their reach cannot be judged, and those scopes, each once. */
export function keptWholeByReach(reach: ReadonlyMap<string, RepositoryReach & { readonly blocking: readonly UnreadableScope[] }>): { keptWhole: KeptWhole[]; unreadableScopes: UnreadableScope[] } {
  const keptWhole = [...reach.values()].filter((r) => r.blocking.length > 0).sort((a, b) => a.repositoryName.localeCompare(b.repositoryName)).map((r) => ({
    repositoryName: r.repositoryName,
    scopes: r.blocking,
    lines: r.blocking.map((s) => `${r.repositoryName} kept: a deletion reaches ${s.account}/${s.region}: ${s.why}`),
  }));
  const unique = new Map<string, UnreadableScope>();
  for (const k of keptWhole) for (const s of k.scopes) if (!unique.has(`${s.account}/${s.region}`)) unique.set(`${s.account}/${s.region}`, s);
  return { keptWhole, unreadableScopes: [...unique.values()] };
}
