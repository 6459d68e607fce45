import { tagDigests } from '../../domain/tag-fact.js';
import type { ImageFact } from '../../domain/facts.js';
import { imageKey } from '../../domain/facts.js';
import type { LedgerChange } from '../../events/ledger-event.js';
import type { EventContext } from './context.js';

type Change<K extends LedgerChange['kind']> = Extract<LedgerChange, { kind: K }>;

/** A push (or replication, or pull-through sync): the image exists; a tag, if any, now points to it. */
export async function imagePushed(ctx: EventContext, change: Change<'image-pushed'>): Promise<void> {
  const { repositoryName, imageDigest } = change;
  const described = await ctx.online(`reading the size and manifest of ${imageKey(repositoryName, imageDigest)}`)?.describeImage(repositoryName, imageDigest);
  const image: ImageFact = described ?? {
    repositoryName, imageDigest, imageTags: [], imagePushedAt: ctx.at, imageSizeInBytes: 0, childDigests: [],
    ...(change.manifestMediaType && { imageManifestMediaType: change.manifestMediaType }), ...(change.artifactMediaType && { artifactMediaType: change.artifactMediaType }),
  };
  await ctx.ledger.addImage(ctx.scope, { ...image, imageTags: [] }, ctx.at);
  if (change.tag === undefined) return;
  const moved = await ctx.ledger.applyFact(ctx.scope, 'tag', `${repositoryName}:${change.tag}`, { repositoryName, tag: change.tag, imageDigest }, ctx.at);
  const before = moved.previous;
  // The tag's protection moves with it: the image it left is released now.
  if (moved.applied && before && !before.deleted) {
    for (const left of tagDigests(before.fact).filter((d) => d !== imageDigest)) await ctx.ledger.releaseImage(ctx.scope, repositoryName, left, ctx.at);
  }
}

/**
 * A delete: of one tag (ECR deletes the image with its last tag), or of the whole image. Whether it was in use is
 * judged before the ledger forgets anything — the tag too, since scheduled jobs, rollback targets, Batch and App
 * Runner name images by tag. A tag-only delete of an image still in ECR is no deletion and stays silent.
 */
export async function imageDeleted(ctx: EventContext, change: Change<'image-deleted'>): Promise<void> {
  const { repositoryName, imageDigest, tag } = change;
  let gone = tag === undefined;
  if (!gone) {
    const lookups = ctx.online(`checking whether ${imageKey(repositoryName, imageDigest)} lost its last tag and is gone`);
    gone = lookups !== undefined && (await lookups.describeImage(repositoryName, imageDigest)) === undefined;
  }
  // Before the ledger forgets it: was it in use? (ecr-ledger's own deletions never are: they are gone from the ledger first.)
  if (gone) await ctx.deps.deletions?.deleted(ctx.scope, repositoryName, imageDigest, ctx.at, ctx.eventId, tag);
  if (tag !== undefined) {
    const removed = await ctx.ledger.applyFact(ctx.scope, 'tag', `${repositoryName}:${tag}`, undefined, ctx.at);
    if (removed.applied) await ctx.ledger.releaseImage(ctx.scope, repositoryName, imageDigest, ctx.at);
  }
  if (gone) await ctx.ledger.removeImage(ctx.scope, repositoryName, imageDigest, ctx.at);
}

export async function imageStorageClass(ctx: EventContext, change: Change<'image-storage-class'>): Promise<void> {
  const status = change.storageClass === 'ARCHIVE' ? 'ARCHIVED' : change.storageClass === 'STANDARD' ? 'ACTIVE' : change.storageClass;
  await ctx.ledger.setImageStatus(ctx.scope, change.repositoryName, change.imageDigest, status, ctx.at);
}

export async function repositoryDeleted(ctx: EventContext, change: Change<'repository-deleted'>): Promise<void> {
  for (const image of await ctx.ledger.group(ctx.scope, { repositoryName: change.repositoryName })) {
    await ctx.ledger.removeImage(ctx.scope, change.repositoryName, String(image.fact.imageDigest), ctx.at);
  }
  await ctx.ledger.applyFact(ctx.scope, 'repository', change.repositoryName, undefined, ctx.at);
}
