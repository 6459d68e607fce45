import {
  BatchGetImageCommand, DescribeImagesCommand, DescribeRepositoriesCommand, ECRClient, GetRepositoryPolicyCommand, InvalidParameterException,
  RepositoryNotFoundException, RepositoryPolicyNotFoundException, type ImageDetail, type ImageFailureCode,
} from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';

interface StoredImage {
  detail: ImageDetail;
  manifest: string;
}

/**
 * A stateful ECR registry behind aws-sdk-client-mock. It enforces the API limits ecr-ledger must respect
 * (1000 results per page, 100 ids per BatchGetImage) and can fail chosen manifests, as ECR reports in `failures`.
 */
export class FakeEcr {
  readonly client = new ECRClient({ region: 'us-east-1', credentials: { accessKeyId: 'fake', secretAccessKey: 'fake' } });
  readonly mock = mockClient(this.client);
  private readonly repositories = new Map<string, { policyText?: string; images: StoredImage[] }>();
  readonly failingManifests = new Map<string, ImageFailureCode>();

  constructor() {
    const invalid = (message: string) => new InvalidParameterException({ message, $metadata: {} });
    const page = <T>(items: T[], maxResults: number | undefined, nextToken: string | undefined, limit = 1000) => {
      if (maxResults !== undefined && (maxResults < 1 || maxResults > limit)) throw invalid(`maxResults must be 1..${limit}`);
      const start = nextToken === undefined ? 0 : Number(nextToken);
      const end = start + (maxResults ?? 100);
      return { items: items.slice(start, end), nextToken: end < items.length ? String(end) : undefined };
    };
    const repository = (name: string | undefined) => {
      const repo = this.repositories.get(name ?? '');
      if (!repo) throw new RepositoryNotFoundException({ message: `repository ${name} not found`, $metadata: {} });
      return repo;
    };
    this.mock.on(DescribeRepositoriesCommand).callsFake((input) => {
      const { items, nextToken } = page([...this.repositories.keys()].sort(), input.maxResults, input.nextToken);
      return { repositories: items.map((repositoryName) => ({ repositoryName })), nextToken };
    });
    this.mock.on(DescribeImagesCommand).callsFake((input) => {
      const { items, nextToken } = page(repository(input.repositoryName).images, input.maxResults, input.nextToken);
      return { imageDetails: items.map((i) => i.detail), nextToken };
    });
    this.mock.on(GetRepositoryPolicyCommand).callsFake((input) => {
      const repo = repository(input.repositoryName);
      if (repo.policyText === undefined) throw new RepositoryPolicyNotFoundException({ message: 'no policy', $metadata: {} });
      return { repositoryName: input.repositoryName, policyText: repo.policyText };
    });
    this.mock.on(BatchGetImageCommand).callsFake((input) => {
      const ids = input.imageIds ?? [];
      if (ids.length < 1 || ids.length > 100) throw invalid('imageIds must hold 1..100 ids');
      const repo = repository(input.repositoryName);
      const images = [];
      const failures = [];
      for (const id of ids) {
        const found = repo.images.find((i) => i.detail.imageDigest === id.imageDigest);
        const failure = this.failingManifests.get(id.imageDigest ?? '') ?? (found ? undefined : 'ImageNotFound');
        if (failure) failures.push({ imageId: id, failureCode: failure, failureReason: 'injected by the fake' });
        else images.push({ repositoryName: input.repositoryName, imageId: id, imageManifest: found!.manifest, imageManifestMediaType: found!.detail.imageManifestMediaType });
      }
      return { images, failures };
    });
  }

  addRepository(repositoryName: string, policyText?: string): this {
    this.repositories.set(repositoryName, { ...(policyText !== undefined && { policyText }), images: [] });
    return this;
  }

  addImage(repositoryName: string, detail: Omit<ImageDetail, 'repositoryName'>, manifest: object = { schemaVersion: 2 }): this {
    this.repositories.get(repositoryName)!.images.push({ detail: { ...detail, repositoryName }, manifest: JSON.stringify(manifest) });
    return this;
  }

  removeImage(repositoryName: string, imageDigest: string): void {
    const repo = this.repositories.get(repositoryName)!;
    repo.images = repo.images.filter((i) => i.detail.imageDigest !== imageDigest);
  }

  calls(command: Parameters<typeof this.mock.commandCalls>[0]): number {
    return this.mock.commandCalls(command).length;
  }
}
