/** Media types of manifests that list other manifests (multi-arch images). */
export const INDEX_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

export interface ManifestLinks {
  readonly mediaType?: string;
  /** Manifests an index names. */
  readonly childDigests: readonly string[];
  /** The image an OCI referrer (signature, SBOM) points at. */
  readonly subjectDigest?: string;
}

/** Reads the links out of a manifest body as BatchGetImage returns it; throws a plain Error on malformed JSON. */
export function readManifestLinks(body: string | object): ManifestLinks {
  const manifest = (typeof body === 'string' ? JSON.parse(body) : body) as {
    mediaType?: unknown;
    manifests?: unknown;
    subject?: { digest?: unknown };
  };
  if (manifest === null || typeof manifest !== 'object') throw new Error('the manifest is not a JSON object');
  const childDigests = Array.isArray(manifest.manifests)
    ? manifest.manifests.map((entry: { digest?: unknown }, i) => {
        if (typeof entry?.digest !== 'string') throw new Error(`manifests[${i}].digest is missing`);
        return entry.digest;
      })
    : [];
  const subjectDigest = typeof manifest.subject?.digest === 'string' ? manifest.subject.digest : undefined;
  const mediaType = typeof manifest.mediaType === 'string' ? manifest.mediaType : undefined;
  return { childDigests, ...(subjectDigest && { subjectDigest }), ...(mediaType && { mediaType }) };
}

/** True when the image is an image index / manifest list, whose size repeats its children's. */
export function isImageIndex(mediaType: string | undefined): boolean {
  return mediaType !== undefined && INDEX_MEDIA_TYPES.has(mediaType);
}
