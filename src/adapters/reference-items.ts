import type { Scope } from '../domain/facts.js';
import { familiesOf, namedImages, type ReferrerFact } from '../domain/named-images.js';
import { familyGroup, imageGroup, repositoryPartition, scopeId, scopeKeys, tagGroup } from './index-keys.js';

/**
 * A reference: "the referrer stored at `referrer` names `target`". It lives in its referrer's partition (sort key
 * `R#{target}`), so that a referrer's references are read, replaced and removed with it, and is indexed under the
 * group of what it names (GROUP_INDEX) and, for images, under the named repository (REPOSITORY_INDEX).
 */
export interface ReferenceItem {
  pk: string;
  sk: string;
  scope: string;
  kind: 'reference';
  referrer: string;
  target: string;
  observedAt: string;
  g1pk?: string;
  g1sk?: string;
  g2pk: string;
  g2sk: string;
  g4pk: string;
  g4sk: string;
}

/**
 * The repository index's sort-key prefix of a reference: `ref` from the registry's own scope, `xref` from any other
 * (account or region), so that the sweep reads only the references its live check cannot see.
 */
export const referencePrefix = (referrer: Scope, registry: Scope) => (scopeId(referrer) === scopeId(registry) ? 'ref' : 'xref');

const REFERRING_KINDS = new Set(['task-definition', 'service-revision', 'task', 'lambda-function', 'batch-job-definition', 'apprunner-service', 'inspector-evidence', 'pin', 'reported-image', 'image']);

/** The references a fact makes (none for kinds that name no image or family). */
export function referenceItems(scope: Scope, kind: string, referrerPk: string, fact: Record<string, unknown>, observedAt: string): ReferenceItem[] {
  const items = new Map<string, ReferenceItem>();
  const add = (target: string, extra: Partial<ReferenceItem>, prefix: string) => items.set(target, {
    pk: referrerPk, sk: `R#${target}`, scope: scopeId(scope), kind: 'reference', referrer: referrerPk, target, observedAt, g2pk: target, g2sk: `${prefix}#${referrerPk}`, ...scopeKeys(scope, referrerPk, `R#${target}`), ...extra,
  });
  if (kind === 'service') {
    for (const family of familiesOf(fact as never)) add(familyGroup(scope, family), {}, 'use');
  } else if (REFERRING_KINDS.has(kind)) {
    for (const image of namedImages(scope, { kind, fact } as unknown as ReferrerFact)) {
      const target = image.digest !== undefined ? imageGroup(image.registry, image.repositoryName, image.digest) : tagGroup(image.registry, image.repositoryName, image.tag!);
      add(target, { g1pk: repositoryPartition(image.registry, image.repositoryName), g1sk: `${referencePrefix(scope, image.registry)}#${referrerPk}#${target}` }, 'ref');
    }
  }
  return [...items.values()];
}
