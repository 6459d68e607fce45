import { BatchDeleteImageCommand, DescribeImagesCommand, DescribeRegistryCommand, UpdateImageStorageClassCommand, type ImageDetail } from '@aws-sdk/client-ecr';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { DeleteResult, SweepAws } from '../../app/ports.js';
import type { Config } from '../../config.js';
import type { Clock } from '../../domain/clock.js';
import { usageOf, type ImageFact, type Scope } from '../../domain/facts.js';
import type { KnownFacts } from '../../snapshot/from-facts.js';
import { parseSnapshot } from '../../snapshot/read-snapshot.js';
import { imageDetailSchema, replicationConfigurationSchema } from '../../snapshot/schema.js';
import { deleteDestinations } from '../../domain/replication.js';
import { imageFact, replicationRules, snapshotToFacts } from '../../snapshot/to-facts.js';
import { AwsCallError, chunks, UnsettledCallError, type AwsCaller } from './caller.js';
import { AwsReadError } from '../../errors.js';
import type { AwsClients } from './clients.js';
import { policyOf, readRepository } from './ecr-reader.js';
import { jsonSafe } from './json-safe.js';
import { readUsageSections } from './usage-reader.js';

const BATCH = 100;
/** Calls of one deleting or archiving request before an unsettled failure is given up (the run then dies, its intents pending). */
const UNSETTLED_ATTEMPTS = 3;

/** The sweep's live AWS: usage reads as in reconcile (immutable facts reused), images by id, and the deleting calls. */
export class LiveSweepAws implements SweepAws {
  constructor(private readonly clients: AwsClients, private readonly caller: AwsCaller, private readonly scope: Scope, private readonly config: Config, private readonly clock: Clock) {}

  private read?: ReturnType<SweepAws['registry']>;
  private get acting() {
    return this.clients.ecrActing ?? this.clients.ecr;
  }
  private identity?: Promise<{ account: string; arn: string }>;

  private whoAmI(): Promise<{ account: string; arn: string }> {
    return (this.identity ??= (async () => {
      const { Account, Arn } = await this.caller.call('sts:GetCallerIdentity', () => this.clients.sts.send(new GetCallerIdentityCommand({})));
      if (!Account) throw new AwsReadError('sts:GetCallerIdentity returned no account id');
      return { account: Account, arn: Arn ?? Account };
    })());
  }

  async callerAccount(): Promise<string> {
    return (await this.whoAmI()).account;
  }

  async region(): Promise<string> {
    return this.clients.ecr.config.region();
  }

  async callerArn(): Promise<string> {
    return (await this.whoAmI()).arn;
  }

  registry(): ReturnType<SweepAws['registry']> {
    return (this.read ??= (async () => {
      const { replicationConfiguration } = await this.caller.call('ecr:DescribeRegistry', () => this.clients.ecr.send(new DescribeRegistryCommand({})));
      const rules = replicationRules(replicationConfigurationSchema.parse(jsonSafe(replicationConfiguration ?? {})));
      return { deleteReplicatesTo: (repositoryName: string) => deleteDestinations(rules, this.scope, repositoryName) };
    })());
  }

  calls(): Readonly<Record<string, number>> {
    return Object.fromEntries([...this.caller.counts].sort());
  }

  async readUsage(known: KnownFacts) {
    const warnings: string[] = [];
    const { ecs, lambda, batch, apprunner, inspector } = await readUsageSections(this.caller, this.clients, {
      scope: this.config.scope, known, warn: (m) => warnings.push(m), evidence: { config: this.config.evidence, accountId: this.scope.accountId, now: this.clock() },
    });
    const facts = snapshotToFacts(parseSnapshot({
      schemaVersion: 1, accountId: this.scope.accountId, region: this.scope.region, capturedAt: this.clock().toISOString(), ecs, lambda,
      ...(batch && { batch }), ...(apprunner && { apprunner }), ...(inspector && { inspector }),
    } as never, 'live check'));
    return { facts: usageOf(facts), warnings };
  }

  async describeImages(repositoryName: string, imageDigests: readonly string[]): Promise<ImageFact[]> {
    const found: ImageFact[] = [];
    for (const batch of chunks(imageDigests, BATCH)) {
      let details: ImageDetail[];
      try {
        const result = await this.caller.call('ecr:DescribeImages', () => this.clients.ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: batch.map((imageDigest) => ({ imageDigest })), filter: { imageStatus: 'ANY' } })));
        details = result.imageDetails ?? [];
      } catch (error) {
        // One missing id fails the whole call: fall back to one id per call for this batch.
        if (!(error instanceof AwsCallError && error.code === 'ImageNotFoundException')) throw error;
        if (batch.length === 1) continue; // that one image is gone
        details = [];
        for (const digest of batch) found.push(...await this.describeImages(repositoryName, [digest]));
      }
      for (const detail of details) found.push(imageFact(repositoryName, imageDetailSchema.parse(jsonSafe(detail)), 'DescribeImages'));
    }
    return found;
  }

  async repositoryPolicy(repositoryName: string): Promise<string | undefined> {
    return policyOf(this.caller, this.clients.ecr, repositoryName);
  }

  async repositoryImages(repositoryName: string): Promise<ImageFact[]> {
    try {
      const read = await readRepository(this.caller, this.clients.ecr, repositoryName);
      return snapshotToFacts(parseSnapshot({ schemaVersion: 1, accountId: this.scope.accountId, region: this.scope.region, capturedAt: this.clock().toISOString(), ecr: { repositories: [read] } } as never, 'DescribeImages')).images as ImageFact[];
    } catch (error) {
      if (error instanceof AwsCallError && error.code === 'RepositoryNotFoundException') return [];
      throw error;
    }
  }

  async deleteImages(repositoryName: string, imageDigests: readonly string[]): Promise<DeleteResult> {
    const done: string[] = [];
    const failures: Array<{ imageDigest: string; code: string; reason: string }> = [];
    for (const batch of chunks(imageDigests, BATCH)) {
      let asked = batch;
      for (let attempt = 1; asked.length > 0; attempt += 1) {
        let result;
        try {
          result = await this.caller.call('ecr:BatchDeleteImage', () => this.acting.send(new BatchDeleteImageCommand({ repositoryName, imageIds: asked.map((imageDigest) => ({ imageDigest })) })), { acts: true });
        } catch (error) {
          // Denied (IAM, an SCP, a repository outside the role's grant): these images fail with the code, the run goes on.
          if (error instanceof AwsCallError && error.denied) {
            failures.push(...asked.map((imageDigest) => ({ imageDigest, code: error.code, reason: error.message })));
            break;
          }
          // ECR may have deleted some or all: what is gone now went by this call (as a dead run's intents are settled),
          // what is still there is asked again.
          if (!(error instanceof UnsettledCallError) || attempt >= UNSETTLED_ATTEMPTS) throw error;
          const present = new Set((await this.describeImages(repositoryName, asked)).map((i) => i.imageDigest));
          done.push(...asked.filter((d) => !present.has(d)));
          asked = asked.filter((d) => present.has(d));
          continue;
        }
        done.push(...new Set((result.imageIds ?? []).map((id) => id.imageDigest!)));
        for (const f of result.failures ?? []) failures.push({ imageDigest: f.imageId?.imageDigest ?? '?', code: f.failureCode ?? 'Unknown', reason: f.failureReason ?? '' });
        break;
      }
    }
    return { done, failures };
  }

  archiveImages(repositoryName: string, imageDigests: readonly string[]): Promise<DeleteResult> {
    return this.storageClass(repositoryName, imageDigests, 'ARCHIVE');
  }

  /** Restores archived images (UpdateImageStorageClass to STANDARD): they answer pulls again once ACTIVE. */
  restoreImages(repositoryName: string, imageDigests: readonly string[]): Promise<DeleteResult> {
    return this.storageClass(repositoryName, imageDigests, 'STANDARD');
  }

  private async storageClass(repositoryName: string, imageDigests: readonly string[], targetStorageClass: 'ARCHIVE' | 'STANDARD'): Promise<DeleteResult> {
    const done: string[] = [];
    const failures: Array<{ imageDigest: string; code: string; reason: string }> = [];
    // Archived now, or on its way back (ACTIVATING, or ACTIVE once ECR finished): where the call leaves the image.
    const reached = (status: string | undefined) => (targetStorageClass === 'ARCHIVE' ? status === 'ARCHIVED' : status !== 'ARCHIVED');
    for (const imageDigest of imageDigests) {
      for (let attempt = 1; ; attempt += 1) {
        try {
          await this.caller.call('ecr:UpdateImageStorageClass', () => this.acting.send(new UpdateImageStorageClassCommand({ repositoryName, imageId: { imageDigest }, targetStorageClass })), { acts: true });
          done.push(imageDigest);
        } catch (error) {
          if (!(error instanceof AwsCallError)) throw error;
          // Still unknown after the last attempt: the run stops, its intent pending (settled by the next run).
          if (error instanceof UnsettledCallError && attempt >= UNSETTLED_ATTEMPTS) throw error;
          if (error instanceof UnsettledCallError) {
            // ECR may have changed it: read where the image is now.
            const [now] = await this.describeImages(repositoryName, [imageDigest]);
            if (now === undefined) failures.push({ imageDigest, code: 'ImageNotFound', reason: `gone after ${error.message}` });
            else if (reached(now.imageStatus)) done.push(imageDigest);
            else continue;
            break;
          }
          failures.push({ imageDigest, code: error.code === 'ImageNotFoundException' ? 'ImageNotFound' : error.code, reason: error.message });
        }
        break;
      }
    }
    return { done, failures };
  }

}
