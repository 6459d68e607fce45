import type { DeleteResult, SweepAws } from '../app/ports.js';
import { usageOf, type AccountFacts, type ImageFact } from '../domain/facts.js';
import { RefusedError } from '../errors.js';
import type { KnownFacts } from '../snapshot/from-facts.js';

/**
 * An account snapshot standing in for live AWS in a dry run (`sweep --snapshot FILE`): the live check reads the
 * snapshot's usage and images. It never deletes: a snapshot cannot confirm what runs now.
 */
export class SnapshotSweepAws implements SweepAws {
  private readonly images: Map<string, Map<string, ImageFact>>;

  constructor(private readonly facts: AccountFacts, private readonly file: string) {
    this.images = new Map();
    for (const image of facts.images) {
      if (!this.images.has(image.repositoryName)) this.images.set(image.repositoryName, new Map());
      this.images.get(image.repositoryName)!.set(image.imageDigest, image);
    }
  }

  async callerAccount(): Promise<string> {
    return this.facts.scope.accountId;
  }

  async region(): Promise<string> {
    return this.facts.scope.region;
  }

  async callerArn(): Promise<string> {
    return `the snapshot ${this.file}`;
  }

  async registry() {
    const repositories = new Map(this.facts.repositories.map((r) => [r.repositoryName, r]));
    return { deleteReplicatesTo: (name: string) => repositories.get(name)?.deleteReplicatesTo ?? [] };
  }

  async readUsage(_known: KnownFacts) {
    return { facts: usageOf(this.facts), warnings: [`the live check reads ${this.file}, not AWS: this is a rehearsal`] };
  }

  async describeImages(repositoryName: string, imageDigests: readonly string[]): Promise<ImageFact[]> {
    const repo = this.images.get(repositoryName);
    return imageDigests.flatMap((digest) => (repo?.get(digest) ? [repo.get(digest)!] : []));
  }

  async repositoryPolicy(repositoryName: string): Promise<string | undefined> {
    return this.facts.repositories.find((r) => r.repositoryName === repositoryName)?.policyText;
  }

  async repositoryImages(repositoryName: string): Promise<ImageFact[]> {
    return [...(this.images.get(repositoryName)?.values() ?? [])];
  }

  deleteImages(): Promise<DeleteResult> {
    return Promise.reject(new RefusedError(`a sweep checked against a snapshot (${this.file}) only rehearses: drop --force, or drop --snapshot to check against live AWS`));
  }

  archiveImages(): Promise<DeleteResult> {
    return this.deleteImages();
  }

  restoreImages(): Promise<DeleteResult> {
    return this.deleteImages();
  }

  calls(): Readonly<Record<string, number>> {
    return {};
  }
}
