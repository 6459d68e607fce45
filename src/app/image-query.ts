import { imageKey, type Scope } from '../domain/facts.js';
import { formatImageReference, parseImageReference, type EcrImageReference } from '../domain/image-reference.js';
import { NotFoundError, UsageError } from '../errors.js';

/** An image a user asked about: an ECR reference, in its registry (the one the URI names, else `home`). */
export interface ImageQuery {
  readonly ref: EcrImageReference;
  readonly registry: Scope;
  /** The tag looked for when the reference names no digest. */
  readonly tag: string;
}

/** Parses what a user typed; an image outside ECR private registries is a usage error. */
export function parseImageQuery(query: string, home: Scope): ImageQuery {
  const ref = parseImageReference(query, 'query');
  if (ref.kind === 'external') throw new UsageError(`${query} is in ${ref.registry}, not in an ECR private registry: ecr-ledger only tracks ECR images`);
  return { ref, registry: { accountId: ref.registryId ?? home.accountId, region: ref.region ?? home.region }, tag: ref.tag ?? 'latest' };
}

/** The error for a query that names no image the ledger holds. */
export function imageNotHeld({ ref, tag }: ImageQuery): NotFoundError {
  const why = ref.digest !== undefined ? `${imageKey(ref.repositoryName, ref.digest)} is not in ${ref.repositoryName}` : `no image of ${ref.repositoryName} holds the tag ${tag}`;
  return new NotFoundError(`${formatImageReference(ref)} is not in the ledger (${why})`);
}
