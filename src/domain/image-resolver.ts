import type { ImageFact, Scope } from './facts.js';
import { imageKey, scopeKey } from './facts.js';
import { parseImageReference, type EcrImageReference, type ReferenceContext } from './image-reference.js';
import { EcrLedgerError } from '../errors.js';

export type Resolution =
  /** Several targets only when inconsistent facts give one tag to several images: each is protected. */
  | { readonly found: true; readonly targets: readonly ResolvedTarget[]; readonly via: 'digest' | 'tag'; readonly tag?: string }
  | { readonly found: false; readonly why: 'external' | 'other-registry' | 'unknown-image' | 'malformed'; readonly detail: string; readonly registry?: string };

/** An image a reference resolves to; `scope` is set when the image belongs to another registry than the referrer's. */
export interface ResolvedTarget {
  readonly key: string;
  readonly image: ImageFact;
  readonly scope?: Scope;
}

/** The images of other scopes (registries) that this scope's referrers may name. */
/** An image another registry holds, as a reference names it: by digest or by tag. */
export interface NamedElsewhere {
  readonly registry: Scope;
  readonly repositoryName: string;
  readonly digest?: string;
  readonly tag?: string;
}

export interface ForeignImages {
  readonly scope: Scope;
  readonly images: Iterable<ImageFact>;
}

/**
 * Resolves image references of one scope to the images the facts hold: by digest, or by what a tag points to now.
 * A reference into another registry resolves against that registry's images when they are given (`foreign`).
 */
export class ImageResolver {
  private readonly byKey = new Map<string, ImageFact>();
  private readonly byTag = new Map<string, string[]>();
  private readonly foreign = new Map<string, ImageResolver>();
  /** Registries (`account#region`) references named that this resolver does not hold. */
  readonly missedRegistries = new Set<string>();
  /** What those references name there: an image by digest, or a tag. */
  readonly missedReferences: NamedElsewhere[] = [];

  constructor(
    private readonly scope: Scope,
    images: Iterable<ImageFact>,
    foreign: readonly ForeignImages[] = [],
  ) {
    for (const other of foreign) {
      if (other.scope.accountId === scope.accountId && other.scope.region === scope.region) continue;
      this.foreign.set(scopeKey(other.scope), new ImageResolver(other.scope, other.images));
    }
    for (const image of images) {
      const key = imageKey(image.repositoryName, image.imageDigest);
      this.byKey.set(key, image);
      for (const tag of image.imageTags) {
        const slot = `${image.repositoryName}:${tag}`;
        this.byTag.set(slot, [...(this.byTag.get(slot) ?? []), key].sort());
      }
    }
  }

  image(key: string): ImageFact | undefined {
    return this.byKey.get(key);
  }

  /** The image(s) a tag points to now. */
  tagged(repositoryName: string, tag: string): readonly string[] {
    return this.byTag.get(`${repositoryName}:${tag}`) ?? [];
  }

  /** Resolves a reference already parsed (an ECR reference of this scope or of none). */
  resolveParsed(ref: EcrImageReference, digestOverride?: string): Resolution {
    if ((ref.registryId !== undefined && ref.registryId !== this.scope.accountId) || (ref.region !== undefined && ref.region !== this.scope.region)) {
      const other = this.foreign.get(`${ref.registryId ?? this.scope.accountId}#${ref.region ?? this.scope.region}`);
      if (other) {
        const r = other.resolveParsed({ ...ref, registryId: undefined, region: undefined }, digestOverride);
        return r.found ? { ...r, targets: r.targets.map((t) => ({ ...t, scope: other.scope })) } : r;
      }
      const registry = `${ref.registryId ?? this.scope.accountId}#${ref.region ?? this.scope.region}`;
      this.missedRegistries.add(registry);
      const digest = digestOverride ?? ref.digest;
      this.missedReferences.push({
        registry: { accountId: ref.registryId ?? this.scope.accountId, region: ref.region ?? this.scope.region }, repositoryName: ref.repositoryName,
        ...(digest !== undefined ? { digest } : { tag: ref.tag ?? 'latest' }),
      });
      return { found: false, why: 'other-registry', registry, detail: `registry ${ref.registryId} in ${ref.region} is not ${this.scope.accountId} in ${this.scope.region}` };
    }
    const digest = digestOverride ?? ref.digest;
    if (digest !== undefined) {
      const key = imageKey(ref.repositoryName, digest);
      const image = this.byKey.get(key);
      return image ? { found: true, targets: [{ key, image }], via: 'digest' } : { found: false, why: 'unknown-image', detail: `${key} is not in ${ref.repositoryName}` };
    }
    const tag = ref.tag ?? 'latest';
    const targets = this.tagged(ref.repositoryName, tag).map((key) => ({ key, image: this.byKey.get(key)! }));
    return targets.length ? { found: true, targets, via: 'tag', tag } : { found: false, why: 'unknown-image', detail: `no image of ${ref.repositoryName} holds the tag ${tag}` };
  }

  /** Resolves an image string; non-ECR images and other registries are reported, never thrown. */
  resolve(text: string, context: ReferenceContext = 'container', digestOverride?: string): Resolution {
    let ref;
    try {
      ref = parseImageReference(text, context);
    } catch (error) {
      if (error instanceof EcrLedgerError) return { found: false, why: 'malformed', detail: error.message };
      throw error;
    }
    if (ref.kind === 'external') return { found: false, why: 'external', detail: `${ref.registry} is not an ECR private registry` };
    return this.resolveParsed(ref, digestOverride);
  }
}
