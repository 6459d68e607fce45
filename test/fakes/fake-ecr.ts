import { createHash } from 'node:crypto';
import {
  BatchDeleteImageCommand, UpdateImageStorageClassCommand,
  BatchGetImageCommand, DescribeImagesCommand, DescribeRegistryCommand, DescribeRepositoriesCommand, ECRClient, GetLifecyclePolicyCommand, GetLifecyclePolicyPreviewCommand, GetRepositoryPolicyCommand,
  StartLifecyclePolicyPreviewCommand, type LifecyclePolicyPreviewResult,
  type ImageDetail, type ImageFailureCode,
} from '@aws-sdk/client-ecr';
import type { BatchDeleteImageCommandInput, ECRClientResolvedConfig, ServiceInputTypes, ServiceOutputTypes, UpdateImageStorageClassCommandInput } from '@aws-sdk/client-ecr';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { awsError, batchLimit, Faults, page } from './faults.js';

interface StoredImage {
  detail: ImageDetail;
  manifest: string;
}

/** An image manifest naming a config and one layer of the image's own, its size in all (as a one-layer image's is). */
function ownLayers(detail: Omit<ImageDetail, 'repositoryName'>): object {
  const blob = (what: string) => `sha256:${createHash('sha256').update(`${detail.imageDigest}#${what}`).digest('hex')}`;
  const size = detail.imageSizeInBytes ?? 0;
  const config = Math.min(size, 1_000);
  return {
    schemaVersion: 2, mediaType: detail.imageManifestMediaType ?? 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: blob('config'), size: config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: blob('layer'), size: size - config }],
  };
}

/** Marks a request sent through the acting client (no SDK retries). */
const WITHOUT_SDK_RETRIES = Symbol('without SDK retries');

export const FAKE_CREDENTIALS = { accessKeyId: 'fake', secretAccessKey: 'fake' };

/**
 * A stateful ECR registry behind aws-sdk-client-mock. It enforces the API limits ecr-ledger must respect
 * (1000 results per page, 100 ids per BatchGetImage), injects `faults`, and can fail chosen manifests as ECR reports in `failures`.
 */
export class FakeEcr {
  readonly client: ECRClient;
  readonly actingClient: ECRClient;
  readonly mock: AwsStub<ServiceInputTypes, ServiceOutputTypes, ECRClientResolvedConfig>;
  private readonly repositories = new Map<string, { policyText?: string; lifecyclePolicyText?: string; images: Map<string, StoredImage> }>();
  /** What StartLifecyclePolicyPreview reports per repository (the fake does not evaluate policies itself). */
  readonly lifecyclePreviews = new Map<string, LifecyclePolicyPreviewResult[]>();
  /** GetLifecyclePolicyPreview answers IN_PROGRESS this many times before COMPLETE. */
  previewPolls = 1;
  readonly failingManifests = new Map<string, ImageFailureCode>();
  /** Digests whose deletion fails with the given failure code. */
  readonly failingDeletes = new Map<string, string>();
  readonly deleted: string[] = [];
  /** Repositories whose BatchDeleteImage IAM denies (outside the role's grant). */
  readonly deleteDenied = new Set<string>();
  /** `ARCHIVE repo@digest` / `STANDARD repo@digest`, in call order. */
  readonly storageClassUpdates: string[] = [];
  /** Once, just before the next delete or storage-class change takes effect: someone else acts first (a race). */
  beforeChange?: (repositoryName: string, digests: readonly string[]) => void;
  /** The time storage-class changes are stamped with (lastArchivedAt, lastActivatedAt). */
  clock: () => Date = () => new Date();
  /** The registry's replication rules, as DescribeRegistry returns them (deleteReplication included). */
  replicationRules: Array<{ destinations: Array<{ region: string; registryId: string }>; repositoryFilters?: Array<{ filter: string; filterType: 'PREFIX_MATCH' }>; deleteReplication?: { enabled: boolean } }> = [];

  constructor(readonly faults = new Faults(), readonly accountId = '123456789012', readonly region = 'us-east-1') {
    this.client = new ECRClient({ region, credentials: FAKE_CREDENTIALS });
    this.mock = mockClient(this.client);
    const client = this.client;
    // The same registry through a client without the SDK's retries (what `ecrActing` is when deployed).
    this.actingClient = { config: client.config, destroy: () => undefined, send: (command: { input: object }) => client.send(Object.assign(command, { input: { ...command.input, [WITHOUT_SDK_RETRIES]: true } }) as never) } as unknown as ECRClient;
    const repository = (name: string | undefined) => {
      const repo = this.repositories.get(name ?? '');
      if (!repo) throw awsError('RepositoryNotFoundException', `The repository with name '${name}' does not exist in the registry with id '${accountId}'`);
      return repo;
    };
    const limits = { max: 1000, default: 100 };
    this.mock.on(DescribeRegistryCommand).callsFake(() => {
      faults.check('ecr:DescribeRegistry');
      return { registryId: accountId, replicationConfiguration: { rules: this.replicationRules } };
    });
    this.mock.on(DescribeRepositoriesCommand).callsFake((input) => {
      faults.check('ecr:DescribeRepositories');
      const { items, next } = page('ecr:DescribeRepositories', [...this.repositories.keys()].sort(), input.maxResults, input.nextToken, limits);
      return { repositories: items.map((repositoryName) => ({ repositoryName, registryId: accountId })), nextToken: next };
    });
    this.mock.on(DescribeImagesCommand).callsFake((input) => {
      faults.check('ecr:DescribeImages');
      const repo = repository(input.repositoryName);
      if (input.imageIds) {
        // An id names an image by digest or by tag, as ECR's ImageIdentifier does.
        const byTag = (tag: string) => [...repo.images.values()].find((i) => i.detail.imageTags?.includes(tag));
        const found = input.imageIds.map((id: { imageDigest?: string; imageTag?: string }) => (id.imageDigest !== undefined ? repo.images.get(id.imageDigest) : byTag(id.imageTag ?? '')));
        if (found.some((i: StoredImage | undefined) => i === undefined)) throw awsError('ImageNotFoundException', `The image with imageId ${JSON.stringify(input.imageIds)} does not exist`);
        return { imageDetails: found.map((i: StoredImage | undefined) => i!.detail) };
      }
      const { items, next } = page('ecr:DescribeImages', [...repo.images.values()], input.maxResults, input.nextToken, limits);
      return { imageDetails: items.map((i) => i.detail), nextToken: next };
    });
    this.mock.on(GetRepositoryPolicyCommand).callsFake((input) => {
      faults.check('ecr:GetRepositoryPolicy');
      const repo = repository(input.repositoryName);
      if (repo.policyText === undefined) throw awsError('RepositoryPolicyNotFoundException', 'Repository policy does not exist');
      return { repositoryName: input.repositoryName, policyText: repo.policyText };
    });
    this.mock.on(GetLifecyclePolicyCommand).callsFake((input) => {
      faults.check('ecr:GetLifecyclePolicy');
      const repo = repository(input.repositoryName);
      if (repo.lifecyclePolicyText === undefined) throw awsError('LifecyclePolicyNotFoundException', 'Lifecycle policy does not exist for the repository');
      return { registryId: accountId, repositoryName: input.repositoryName, lifecyclePolicyText: repo.lifecyclePolicyText };
    });
    const polls = new Map<string, number>();
    this.mock.on(StartLifecyclePolicyPreviewCommand).callsFake((input) => {
      faults.check('ecr:StartLifecyclePolicyPreview');
      const repo = repository(input.repositoryName);
      if (repo.lifecyclePolicyText === undefined) throw awsError('LifecyclePolicyNotFoundException', 'Lifecycle policy does not exist for the repository');
      polls.set(input.repositoryName!, 0);
      return { registryId: accountId, repositoryName: input.repositoryName, status: 'IN_PROGRESS' };
    });
    this.mock.on(GetLifecyclePolicyPreviewCommand).callsFake((input) => {
      faults.check('ecr:GetLifecyclePolicyPreview');
      repository(input.repositoryName);
      const seen = polls.get(input.repositoryName!);
      if (seen === undefined) throw awsError('LifecyclePolicyPreviewNotFoundException', 'There is no preview for the repository');
      polls.set(input.repositoryName!, seen + 1);
      if (seen < this.previewPolls) return { repositoryName: input.repositoryName, status: 'IN_PROGRESS' };
      const results = this.lifecyclePreviews.get(input.repositoryName!) ?? [];
      const { items, next } = page('ecr:GetLifecyclePolicyPreview', results, input.maxResults, input.nextToken, { max: 100, default: 100 });
      return { repositoryName: input.repositoryName, status: 'COMPLETE', previewResults: items, nextToken: next };
    });
    this.mock.on(BatchGetImageCommand).callsFake((input) => {
      faults.check('ecr:BatchGetImage');
      batchLimit('ecr:BatchGetImage', input.imageIds, 100);
      const repo = repository(input.repositoryName);
      const images = [];
      const failures = [];
      for (const id of input.imageIds!) {
        const found = repo.images.get(id.imageDigest ?? '');
        const failure = this.failingManifests.get(id.imageDigest ?? '') ?? (found ? undefined : 'ImageNotFound');
        if (failure) failures.push({ imageId: id, failureCode: failure, failureReason: 'injected by the fake' });
        else images.push({ repositoryName: input.repositoryName, imageId: id, imageManifest: found!.manifest, imageManifestMediaType: found!.detail.imageManifestMediaType });
      }
      return { images, failures };
    });
    this.enableDeletes(repository);
  }

  /**
   * A call that took effect and whose response was lost (`faults.loseResponse`): a client with the SDK's own retries
   * (the default) asks again, as the SDK does after a reset connection, and gets the second answer; the acting client
   * (no SDK retries, as the deployed `ecrActing`) sees the connection fail.
   */
  private lostOrAnswered<I extends object, O>(api: string, input: I, call: (input: I) => O): O {
    const answer = call(input);
    if (!this.faults.responseLost(api)) return answer;
    if ((input as Record<symbol, unknown>)[WITHOUT_SDK_RETRIES]) throw Object.assign(new Error('socket hang up: the response was lost'), { name: 'NetworkingError' });
    return call(input);
  }

  private raceFirst(repositoryName: string, digests: readonly string[]): void {
    const race = this.beforeChange;
    this.beforeChange = undefined;
    race?.(repositoryName, digests);
  }

  private enableDeletes(repository: (name: string | undefined) => { images: Map<string, StoredImage> }): void {
    const batchDelete = (input: BatchDeleteImageCommandInput) => {
      this.faults.check('ecr:BatchDeleteImage');
      // A repository outside the caller's grant: IAM denies the whole call.
      if (this.deleteDenied.has(input.repositoryName ?? '')) throw awsError('AccessDeniedException', `User: arn:aws:sts::${this.accountId}:assumed-role/sweep/fn is not authorized to perform: ecr:BatchDeleteImage on resource: arn:aws:ecr:${this.region}:${this.accountId}:repository/${input.repositoryName}`, 400);
      batchLimit('ecr:BatchDeleteImage', input.imageIds, 100);
      this.raceFirst(input.repositoryName ?? '', (input.imageIds ?? []).map((i: { imageDigest?: string }) => i.imageDigest ?? ''));
      const repo = repository(input.repositoryName);
      const imageIds = [];
      const failures = [];
      for (const id of input.imageIds!) {
        const digest = id.imageDigest ?? '';
        const image = repo.images.get(digest);
        const inIndex = [...repo.images.values()].some((i) => i.manifest.includes(digest) && i.detail.imageDigest !== digest && (JSON.parse(i.manifest) as { manifests?: Array<{ digest: string }> }).manifests?.some((m) => m.digest === digest));
        const failure = this.failingDeletes.get(digest) ?? (!image ? 'ImageNotFound' : inIndex ? 'ImageReferencedByManifestList' : undefined);
        if (failure) failures.push({ imageId: id, failureCode: failure, failureReason: 'from the fake' });
        else {
          repo.images.delete(digest);
          this.deleted.push(`${input.repositoryName}@${digest}`);
          imageIds.push({ imageDigest: digest, ...(image!.detail.imageTags?.[0] && { imageTag: image!.detail.imageTags[0] }) });
        }
      }
      return { imageIds, failures };
    };
    this.mock.on(BatchDeleteImageCommand).callsFake((input: BatchDeleteImageCommandInput) => this.lostOrAnswered('ecr:BatchDeleteImage', input, batchDelete));
    const storageClass = (input: UpdateImageStorageClassCommandInput) => {
      this.faults.check('ecr:UpdateImageStorageClass');
      this.raceFirst(input.repositoryName ?? '', [input.imageId?.imageDigest ?? '']);
      const image = repository(input.repositoryName).images.get(input.imageId?.imageDigest ?? '');
      if (!image) throw awsError('ImageNotFoundException', 'no such image');
      // Archiving is immediate; a restore goes through ACTIVATING (`activate` ends it, as ECR does after a while).
      const archive = input.targetStorageClass !== 'STANDARD';
      if (!archive && image.detail.imageStatus !== 'ARCHIVED') throw awsError('ImageStorageClassUpdateNotSupportedException', 'the image is not archived');
      image.detail.imageStatus = archive ? 'ARCHIVED' : 'ACTIVATING';
      if (archive) image.detail.lastArchivedAt = this.clock();
      else image.detail.lastActivatedAt = this.clock();
      this.storageClassUpdates.push(`${archive ? 'ARCHIVE' : 'STANDARD'} ${input.repositoryName}@${input.imageId?.imageDigest}`);
      return { repositoryName: input.repositoryName, imageId: input.imageId, imageStatus: image.detail.imageStatus };
    };
    this.mock.on(UpdateImageStorageClassCommand).callsFake((input: UpdateImageStorageClassCommandInput) => this.lostOrAnswered('ecr:UpdateImageStorageClass', input, storageClass));
  }

  addRepository(repositoryName: string, policyText?: string, lifecyclePolicyText?: string): this {
    this.repositories.set(repositoryName, { ...(policyText !== undefined && { policyText }), ...(lifecyclePolicyText !== undefined && { lifecyclePolicyText }), images: new Map() });
    return this;
  }

  /** SetRepositoryPolicy: replaces the repository's policy. */
  setPolicy(repositoryName: string, policyText: string): this {
    this.repositories.get(repositoryName)!.policyText = policyText;
    return this;
  }

  /** An image; its manifest, unless given, is an image manifest whose config and one layer are its own (nothing shared). */
  addImage(repositoryName: string, detail: Omit<ImageDetail, 'repositoryName'>, manifest: string | object = ownLayers(detail)): this {
    const body = typeof manifest === 'string' ? manifest : JSON.stringify(manifest);
    this.repositories.get(repositoryName)!.images.set(detail.imageDigest!, { detail: { ...detail, repositoryName, registryId: this.accountId }, manifest: body });
    return this;
  }

  /** Pushes `imageDigest` with `tag` as ECR does: the image is added if new, and the tag leaves whichever image had it. */
  retag(repositoryName: string, tag: string, imageDigest: string, detail: Omit<ImageDetail, 'repositoryName' | 'imageDigest' | 'imageTags'>): this {
    if (!this.repositories.has(repositoryName)) this.addRepository(repositoryName);
    const repo = this.repositories.get(repositoryName)!;
    for (const image of repo.images.values()) image.detail.imageTags = (image.detail.imageTags ?? []).filter((t) => t !== tag);
    const existing = repo.images.get(imageDigest);
    if (existing) existing.detail.imageTags = [...(existing.detail.imageTags ?? []), tag];
    else this.addImage(repositoryName, { ...detail, imageDigest, imageTags: [tag] });
    return this;
  }

  /** A restore finished: the image is ACTIVE (pullable) again. */
  activate(repositoryName: string, imageDigest: string): void {
    this.repositories.get(repositoryName)!.images.get(imageDigest)!.detail.imageStatus = 'ACTIVE';
  }

  statusOf(repositoryName: string, imageDigest: string): string | undefined {
    return this.repositories.get(repositoryName)?.images.get(imageDigest)?.detail.imageStatus;
  }

  hasRepository(repositoryName: string): boolean {
    return this.repositories.has(repositoryName);
  }

  hasImage(repositoryName: string, imageDigest: string): boolean {
    return this.repositories.get(repositoryName)?.images.has(imageDigest) ?? false;
  }

  digestOf(repositoryName: string, tag: string): string | undefined {
    return [...(this.repositories.get(repositoryName)?.images.values() ?? [])].find((i) => i.detail.imageTags?.includes(tag))?.detail.imageDigest;
  }

  removeImage(repositoryName: string, imageDigest: string): void {
    this.repositories.get(repositoryName)!.images.delete(imageDigest);
  }

  calls(command: Parameters<typeof this.mock.commandCalls>[0]): number {
    return this.mock.commandCalls(command).length;
  }
}
