import type { AccountFacts, ImageFact } from '../domain/facts.js';
import { ImageResolver } from '../domain/image-resolver.js';
import { formatImageReference } from '../domain/image-reference.js';
import { NotFoundError } from '../errors.js';
import { parseImageQuery } from './image-query.js';

/** The images a user's reference names (`repo:tag`, `repo@sha256:…`, full URI) within the facts' scope. */
export function findImages(facts: AccountFacts, query: string): ImageFact[] {
  const { ref } = parseImageQuery(query, facts.scope);
  const resolution = new ImageResolver(facts.scope, facts.images).resolveParsed(ref);
  if (resolution.found) return resolution.targets.map((t) => t.image);
  if (resolution.why === 'other-registry') {
    throw new NotFoundError(`${query} is not in the ledger: it holds ${facts.scope.accountId} in ${facts.scope.region}, not registry ${ref.registryId} in ${ref.region}`);
  }
  throw new NotFoundError(`${formatImageReference(ref)} is not in the ledger (${resolution.detail})`);
}
