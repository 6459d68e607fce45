import { imageKey, scopeKey, type AccountFacts, type ImageFact, type Scope } from '../domain/facts.js';
import { groupBy } from '../domain/group-by.js';
import { mapInParallel } from '../concurrency.js';
import { INDEX_READS_IN_PARALLEL } from './indexed-usage.js';
import { deduplicated, emptyFacts, gatherContext, type Mutable } from './indexed-usage.js';
import type { LedgerContents } from './ports.js';
import type { RepositoryReference, UsageIndex } from './usage-index.js';

export interface CandidateReferrers {
  /** Per scope that names a candidate: its referrers of the candidates, with their families, services and functions. */
  readonly scopes: readonly AccountFacts[];
  /** The tags each candidate holds (`repo@digest` → tags), as the repository index has them. */
  readonly tags: ReadonlyMap<string, readonly string[]>;
  /** Requests and items read. */
  readonly counts: { readonly requests: number; readonly items: number };
}

/**
 * Who names a registry's candidate images, read in bounded steps: one Query per candidate repository (every reference
 * into it, and its tags), the referrers whose references name a candidate by digest or by a tag it holds (as `candidates`
 * carry them — the sweep's are read live — or as the ledger has them), then those referrers' families, services and
 * functions: what decides whether they protect. With `fromOtherScopes` (the sweep, which reads its own scope live) only
 * references from other accounts and regions are read — nothing at all when the ledger holds no other scope (its
 * watermarks: `held` when the caller has read them already).
 */
export async function candidateReferrers(index: UsageIndex, registry: Scope, candidates: readonly ImageFact[], now: string, options: { fromOtherScopes?: boolean; held?: ReadonlyArray<{ scope: Scope }> } = {}): Promise<CandidateReferrers> {
  const before = { ...index.counts };
  const counted = () => ({ requests: index.counts.requests - before.requests, items: index.counts.items - before.items });
  const tags = new Map<string, string[]>();
  if (options.fromOtherScopes && !(options.held ?? await index.watermarks()).some((w) => otherThan(registry)(w.scope))) return { scopes: [], tags, counts: counted() };
  const referrers = new Set<string>();
  // One Query per candidate repository, a few at a time; their answers are taken in the repositories' order.
  const repositories = [...groupBy(candidates, (i) => i.repositoryName)];
  const answers = await mapInParallel(repositories, INDEX_READS_IN_PARALLEL, ([repositoryName]) => index.references(registry, repositoryName, { fromOtherScopes: options.fromOtherScopes === true }));
  for (const [n, [repositoryName, images]] of repositories.entries()) {
    const digests = new Set(images.map((i) => i.imageDigest));
    const found = answers[n]!;
    const heldTags = new Set<string>(images.flatMap((i) => i.imageTags));
    for (const { tag, digests: on } of found.tags) {
      const held = on.filter((d) => digests.has(d));
      if (held.length === 0) continue;
      heldTags.add(tag);
      for (const digest of held) tags.set(imageKey(repositoryName, digest), [...(tags.get(imageKey(repositoryName, digest)) ?? []), tag].sort());
    }
    const namesCandidate = (r: RepositoryReference) => (r.digest !== undefined ? digests.has(r.digest) : heldTags.has(r.tag!));
    for (const r of found.references) if (namesCandidate(r)) referrers.add(r.referrer);
  }
  const facts = await index.facts([...referrers]);
  const scopes = [...(await gatherContext(index, facts, now)).values()].map(deduplicated);
  return { scopes, tags, counts: counted() };
}

/** A scope other than `home`. */
export const otherThan = (home: Scope) => (scope: Scope) => scopeKey(scope) !== scopeKey(home);

/** Two partial pictures of one scope as one (the sweep index's facts and the referrers read by reference). */
function joined(a: AccountFacts, b: AccountFacts): AccountFacts {
  const facts = emptyFacts(a.scope, a.capturedAt) as Record<string, unknown>;
  for (const key of Object.keys(facts)) {
    if (Array.isArray(facts[key])) facts[key] = [...((a as never)[key] ?? []), ...((b as never)[key] ?? [])];
  }
  return deduplicated({ ...(facts as Mutable<AccountFacts>), sources: [...(a.sources ?? []), ...(b.sources ?? [])] });
}

/**
 * A scope's sweep index made whole for its candidates without reading the scope: their tags, and every referrer of
 * them in any scope with what decides whether it protects — a plan over it judges the candidates as a plan over the
 * whole ledger would (the advance notice plans with it; it makes no live check).
 */
export async function candidatesWithReferrers(index: UsageIndex, view: LedgerContents, now: string): Promise<{ facts: AccountFacts; others: readonly AccountFacts[] }> {
  const { scope } = view.facts;
  const found = await candidateReferrers(index, scope, view.facts.images, now);
  const images = view.facts.images.map((i) => ({ ...i, imageTags: [...(found.tags.get(imageKey(i.repositoryName, i.imageDigest)) ?? [])] }));
  const own = found.scopes.find((s) => !otherThan(scope)(s.scope));
  const facts = own ? joined(view.facts, own) : view.facts;
  return { facts: { ...facts, images }, others: found.scopes.filter((s) => otherThan(scope)(s.scope)) };
}
