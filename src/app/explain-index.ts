import type { Config } from '../config.js';
import { imageKey, scopeKey, type Scope } from '../domain/facts.js';
import { planRetention } from '../domain/retention-policy.js';
import { explained, type ExplainedImage } from './explain.js';
import { imageNotHeld, parseImageQuery } from './image-query.js';
import { deduplicated, emptyFacts, gatherContext } from './indexed-usage.js';
import { reachWorld } from './reach/reach-world.js';
import type { UsageIndex } from './usage-index.js';

const id = scopeKey;

/**
 * `explain` over a ledger: the image's repository (its images, tags and history, and every reference into it from any
 * scope), the referrers' families, services and functions, judged by the retention policy exactly as a whole-ledger
 * plan would — reads bounded by the repository and its users, not by the account.
 */
export async function explainFromIndex(index: UsageIndex, query: string, scope: Scope, config: Config, now: string): Promise<ExplainedImage[]> {
  const asked = parseImageQuery(query, scope);
  const { ref, registry } = asked;
  const repository = await index.repository(registry, ref.repositoryName);
  const wanted = repository.images.filter((i) => (ref.digest !== undefined ? i.imageDigest === ref.digest : i.imageTags.includes(asked.tag)));
  if (wanted.length === 0) throw imageNotHeld(asked);
  const scopes = await gatherContext(index, await index.facts(repository.referrers), now);
  const home = scopes.get(id(registry)) ?? scopes.set(id(registry), emptyFacts(registry, now)).get(id(registry))!;
  home.images.push(...repository.images);
  home.repositories.push(repository.repository ?? { repositoryName: ref.repositoryName });
  const all = [...scopes.values()].map(deduplicated);
  const target = all.find((f) => id(f.scope) === id(registry))!;
  const plan = planRetention(target, repository.history, {
    config, now, historySource: 'ledger', others: all.filter((f) => f !== target), world: reachWorld(config, { registry, home: 'ledger', held: await index.watermarks(), probes: await index.regionProbes(), now }),
  });
  const keys = new Set(wanted.map((i) => imageKey(i.repositoryName, i.imageDigest)));
  return explained(plan, keys, 'repository');
}
