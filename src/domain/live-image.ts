import type { ImageFact } from './facts.js';

/**
 * The image as ECR answers now, with the links the ledger already knows (children, subject: a manifest never
 * changes). At the moment of acting ECR's answer wins over the ledger's memory: tags, storage class, push time (a
 * digest deleted and pushed again is new), `lastArchivedAt` (archived again by hand or by a lifecycle rule) and the
 * last recorded pull (the later of ECR's and the ledger's). What ECR does not say is not filled in from the ledger:
 * an archive time ECR omits is unknown.
 */
export function asEcrAnswers(known: ImageFact, current: ImageFact): ImageFact {
  const { imageStatus: _status, lastArchivedAt: _archived, lastRecordedPullTime: _pulled, ...links } = known;
  return {
    ...links,
    imageTags: current.imageTags,
    imagePushedAt: current.imagePushedAt,
    ...(current.imageStatus !== undefined && { imageStatus: current.imageStatus }),
    ...(current.lastArchivedAt !== undefined && { lastArchivedAt: current.lastArchivedAt }),
    // A pull is evidence of use: the later of ECR's and the ledger's (ECR forgets a deleted digest's pulls when it is pushed again).
    ...(latest(current.lastRecordedPullTime, known.lastRecordedPullTime) !== undefined && { lastRecordedPullTime: latest(current.lastRecordedPullTime, known.lastRecordedPullTime)! }),
  };
}

const latest = (a: string | undefined, b: string | undefined): string | undefined => (a === undefined ? b : b === undefined ? a : Date.parse(a) >= Date.parse(b) ? a : b);

/**
 * The images of a new picture with the ledger's later record of each one's last pull kept: ECR forgets a digest's
 * pulls when it is deleted and pushed again (its DELETE late or lost), and a pull is evidence of use — the reconcile
 * keeps it as the live check does (found by the simulator: a reconcile between the re-push and the sweep dropped it).
 */
export function withPullsKept(images: readonly ImageFact[], held: readonly ImageFact[]): ImageFact[] {
  const pulls = new Map(held.filter((i) => i.lastRecordedPullTime !== undefined).map((i) => [`${i.repositoryName}@${i.imageDigest}`, i.lastRecordedPullTime!]));
  return images.map((image) => {
    const known = pulls.get(`${image.repositoryName}@${image.imageDigest}`);
    const later = latest(image.lastRecordedPullTime, known);
    return later === image.lastRecordedPullTime ? image : { ...image, lastRecordedPullTime: later! };
  });
}
