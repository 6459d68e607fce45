import type { Config } from '../config.js';
import type { Scope } from '../domain/facts.js';
import { imageKey } from '../domain/facts.js';
import { formatImageReference, parseImageReference } from '../domain/image-reference.js';
import { planRetention, type PlannedImage } from '../domain/retention-policy.js';
import { NotFoundError, UsageError } from '../errors.js';
import { deduplicated, emptyFacts, gatherContext } from './indexed-usage.js';
import { visibleAccounts } from './ledger-view.js';
import type { UsageIndex } from './usage-index.js';

const id = (scope: Scope) => `${scope.accountId}#${scope.region}`;

/**
 * `explain` over a ledger: the image's repository (its images, tags and history, and every reference into it from any
 * scope), the referrers' families, services and functions, judged by the retention policy exactly as a whole-ledger
 * plan would — reads bounded by the repository and its users, not by the account.
 */
export async function explainFromIndex(index: UsageIndex, query: string, scope: Scope, config: Config, now: string): Promise<PlannedImage[]> {
  const ref = parseImageReference(query, 'query');
  if (ref.kind === 'external') throw new UsageError(`${query} is in ${ref.registry}, not in an ECR private registry: ecr-ledger only tracks ECR images`);
  const registry = { accountId: ref.registryId ?? scope.accountId, region: ref.region ?? scope.region };
  const repository = await index.repository(registry, ref.repositoryName);
  const tag = ref.tag ?? 'latest';
  const wanted = repository.images.filter((i) => (ref.digest !== undefined ? i.imageDigest === ref.digest : i.imageTags.includes(tag)));
  if (wanted.length === 0) {
    const why = ref.digest !== undefined ? `${imageKey(ref.repositoryName, ref.digest)} is not in ${ref.repositoryName}` : `no image of ${ref.repositoryName} holds the tag ${tag}`;
    throw new NotFoundError(`${formatImageReference(ref)} is not in the ledger (${why})`);
  }
  const scopes = await gatherContext(index, await index.facts(repository.referrers), now);
  const home = scopes.get(id(registry)) ?? scopes.set(id(registry), emptyFacts(registry, now)).get(id(registry))!;
  home.images.push(...repository.images);
  home.repositories.push(repository.repository ?? { repositoryName: ref.repositoryName });
  const all = [...scopes.values()].map(deduplicated);
  const target = all.find((f) => id(f.scope) === id(registry))!;
  const plan = planRetention(target, repository.history, {
    config, now, historySource: 'ledger', others: all.filter((f) => f !== target), visibleAccounts: visibleAccounts(await index.watermarks(), config, now),
  });
  const keys = new Set(wanted.map((i) => imageKey(i.repositoryName, i.imageDigest)));
  return plan.images.filter((p) => keys.has(imageKey(p.image.repositoryName, p.image.imageDigest)));
}
