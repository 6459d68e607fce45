/** Media types of manifests that list other manifests (multi-arch images). */
export const INDEX_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

/** A blob an image manifest names (its config or a layer): ECR stores each once, however many images name it. */
export interface Layer {
  readonly digest: string;
  readonly size: number;
}

export interface ManifestLinks {
  readonly mediaType?: string;
  /**
   * The blobs the manifest names (config and layers; an index names none of its own): what deleting the image could
   * free. Absent when the manifest does not say (Docker schema 1 lists layers without sizes).
   */
  readonly layers?: readonly Layer[];
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
    config?: unknown;
    layers?: unknown;
    blobs?: unknown;
    fsLayers?: unknown;
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
  // Docker schema 1 names layers without sizes; a body naming no blobs at all says nothing of them either.
  const saysBlobs = manifest.config !== undefined || Array.isArray(manifest.layers) || Array.isArray(manifest.blobs) || Array.isArray(manifest.manifests);
  const layers = manifest.fsLayers === undefined && saysBlobs ? blobsOf(manifest) : undefined;
  return { childDigests, ...(subjectDigest && { subjectDigest }), ...(mediaType && { mediaType }), ...(layers && { layers }) };
}

/** The config and layers of an image manifest (`blobs` of an OCI artifact manifest); none named is none stored. */
function blobsOf(manifest: { config?: unknown; layers?: unknown; blobs?: unknown }): Layer[] {
  const listed = [manifest.config, ...(Array.isArray(manifest.layers) ? manifest.layers : []), ...(Array.isArray(manifest.blobs) ? manifest.blobs : [])];
  const layers: Layer[] = [];
  for (const [i, entry] of listed.entries()) {
    if (entry === undefined || entry === null) continue;
    const { digest, size } = entry as { digest?: unknown; size?: unknown };
    if (typeof digest !== 'string' || typeof size !== 'number' || !Number.isFinite(size) || size < 0) throw new Error(`${i === 0 ? 'config' : 'a layer'} lacks a digest or a size`);
    if (!layers.some((l) => l.digest === digest)) layers.push({ digest, size });
  }
  return layers;
}

/** True when the image is an image index / manifest list, whose size repeats its children's. */
export function isImageIndex(mediaType: string | undefined): boolean {
  return mediaType !== undefined && INDEX_MEDIA_TYPES.has(mediaType);
}
