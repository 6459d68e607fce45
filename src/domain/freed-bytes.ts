import type { ImageFact } from './facts.js';
import type { Layer } from './manifest.js';

/**
 * What deleting images frees: the blobs (config and layers) they name that no image staying in the registry names.
 * ECR stores a blob once however many images name it, so summing image sizes over-states what a deletion frees; this
 * is a lower bound whether ECR shares blobs per repository or per registry. Unknown when an image going or staying has
 * layers nobody read (the manifest could not be read, or not yet).
 */
export interface FreedBytes {
  /** Bytes freed by each repository's deletions (a blob two repositories' deletions share counts in each), and in all. */
  readonly byRepository: ReadonlyMap<string, number>;
  readonly total: number;
}

/** What freeing needs of an image: where it is, and its layers. */
export type LayeredImage = Pick<ImageFact, 'repositoryName' | 'imageDigest' | 'layers'>;

/** Images whose layers are unknown: they decide whether the bytes freed can be told. */
export const layersUnknown = (images: readonly LayeredImage[]) => images.filter((i) => i.layers === undefined).length;

export function freedBytes(going: readonly LayeredImage[], staying: readonly LayeredImage[]): FreedBytes | undefined {
  if (layersUnknown(going) > 0 || layersUnknown(staying) > 0) return undefined;
  const kept = new Set(staying.flatMap((i) => i.layers!.map((l) => l.digest)));
  const freed = (images: readonly LayeredImage[]) => sizeOf(images.flatMap((i) => i.layers!).filter((l) => !kept.has(l.digest)));
  const byRepository = new Map<string, LayeredImage[]>();
  for (const image of going) {
    const list = byRepository.get(image.repositoryName) ?? [];
    list.push(image);
    byRepository.set(image.repositoryName, list);
  }
  return { byRepository: new Map([...byRepository].map(([name, images]) => [name, freed(images)])), total: freed(going) };
}

/** What one image frees on its own: its blobs no other image of the registry names (undefined when unknown). */
export function freedAlone(image: ImageFact, registry: readonly ImageFact[]): number | undefined {
  const others = registry.filter((i) => i.repositoryName !== image.repositoryName || i.imageDigest !== image.imageDigest);
  return freedBytes([image], others)?.total;
}

/** Each blob once. */
function sizeOf(layers: readonly Layer[]): number {
  const seen = new Map(layers.map((l) => [l.digest, l.size]));
  return [...seen.values()].reduce((n, size) => n + size, 0);
}
