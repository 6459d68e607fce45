import { scopeKey, type AccountFacts, type ImageFact, type Scope } from '../../domain/facts.js';
import type { ForeignImages } from '../../domain/image-resolver.js';
import type { WindowOptions } from '../../domain/protection-window.js';
import { computeUsage } from '../../domain/usage.js';
import { namedImages, type ReferrerFact } from '../../domain/named-images.js';
import type { UsageIndex } from '../usage-index.js';

/** What a scope's protecting referrers name in another registry: an image by digest, or a tag. */
export type ForeignUse =
  | { readonly registry: Scope; readonly repositoryName: string; readonly digest: string; readonly tag?: undefined }
  | { readonly registry: Scope; readonly repositoryName: string; readonly tag: string; readonly digest?: undefined };

/** A tag stands in for the image(s) it names: its own key, so that uses are compared without reading the other registry. */
const TAG = 'tag:';

/**
 * What a scope's facts keep in use in other registries now, judged by the scope's own windows, tasks and functions —
 * by digest, or by tag (a tag is not resolved here: comparing two pictures of one scope needs no read).
 */
export function foreignUses(facts: AccountFacts, options: WindowOptions): ForeignUse[] {
  // Most scopes name only their own registry: then there is nothing to judge (and no whole-scope evaluation to pay for).
  if (!namesOtherRegistries(facts)) return [];
  const named = computeUsage(facts, options).resolver.missedReferences;
  if (named.length === 0) return [];
  const registries = new Map<string, { scope: Scope; images: Map<string, ImageFact> }>();
  for (const ref of named) {
    const entry = registries.get(scopeKey(ref.registry)) ?? { scope: ref.registry, images: new Map() };
    registries.set(scopeKey(ref.registry), entry);
    const imageDigest = ref.digest ?? `${TAG}${ref.tag}`;
    entry.images.set(`${ref.repositoryName}@${imageDigest}`, { repositoryName: ref.repositoryName, imageDigest, imageTags: ref.digest === undefined ? [ref.tag!] : [], imagePushedAt: facts.capturedAt, imageSizeInBytes: 0, childDigests: [] });
  }
  const foreign: ForeignImages[] = [...registries.values()].map(({ scope, images }) => ({ scope, images: images.values() }));
  const usage = computeUsage(facts, options, { foreign });
  return [...registries.values()].flatMap(({ scope }) => [...(usage.foreign.get(`${scope.accountId}#${scope.region}`) ?? [])]
    .filter(([, referrers]) => referrers.some((r) => r.protecting))
    .map(([key]) => {
      const at = key.indexOf('@');
      const repositoryName = key.slice(0, at);
      const target = key.slice(at + 1);
      return target.startsWith(TAG) ? { registry: scope, repositoryName, tag: target.slice(TAG.length) } : { registry: scope, repositoryName, digest: target } as ForeignUse;
    }));
}

/** Whether any referrer of the scope names an image of another account or region. */
function namesOtherRegistries(facts: AccountFacts): boolean {
  const { scope } = facts;
  const referrers: ReferrerFact[] = [
    ...facts.taskDefinitions.map((fact) => ({ kind: 'task-definition' as const, fact })), ...facts.serviceRevisions.map((fact) => ({ kind: 'service-revision' as const, fact })),
    ...facts.tasks.map((fact) => ({ kind: 'task' as const, fact })), ...facts.lambdaFunctions.map((fact) => ({ kind: 'lambda-function' as const, fact })),
    ...(facts.reported ?? []).map((fact) => ({ kind: 'reported-image' as const, fact })), ...(facts.batchJobDefinitions ?? []).map((fact) => ({ kind: 'batch-job-definition' as const, fact })),
    ...(facts.appRunnerServices ?? []).map((fact) => ({ kind: 'apprunner-service' as const, fact })),
  ];
  return referrers.some((r) => namedImages(scope, r).some((n) => scopeKey(n.registry) !== scopeKey(scope)));
}

/**
 * The images of other registries that `before` kept in use and `after` no longer does (a tag resolved to what it
 * names now, one Query each): a use that ended, whose grace restarts.
 */
export async function endedUses(index: Pick<UsageIndex, 'tagged'>, before: readonly ForeignUse[], after: readonly ForeignUse[]): Promise<Array<{ registry: Scope; repositoryName: string; imageDigest: string }>> {
  const key = (u: ForeignUse) => `${scopeKey(u.registry)}|${u.repositoryName}|${u.digest ?? `${TAG}${u.tag}`}`;
  const still = new Set(after.map(key));
  const ended: Array<{ registry: Scope; repositoryName: string; imageDigest: string }> = [];
  for (const use of before.filter((u) => !still.has(key(u)))) {
    const digests = use.digest !== undefined ? [use.digest] : await index.tagged(use.registry, use.repositoryName, use.tag);
    ended.push(...digests.map((imageDigest) => ({ registry: use.registry, repositoryName: use.repositoryName, imageDigest })));
  }
  return ended;
}
