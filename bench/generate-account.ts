import { createHash } from 'node:crypto';
import type { SnapshotInput } from '../src/snapshot/schema.js';

export interface AccountShape {
  readonly repositories: number;
  readonly imagesPerRepository: number;
  readonly families: number;
  readonly revisionsPerFamily: number;
  readonly services: number;
  readonly lambdaFunctions: number;
}

export const LARGE: AccountShape = { repositories: 1_000, imagesPerRepository: 100, families: 1_000, revisionsPerFamily: 20, services: 500, lambdaFunctions: 100 };

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const HOST = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;
const CAPTURED = Date.parse('2026-11-10T06:00:00Z');
const DAY = 86_400_000;

export const digest = (name: string) => `sha256:${createHash('sha256').update(name).digest('hex')}`;

const sizeOf = (r: number, i: number) => 50_000_000 + ((r * 7919 + i * 104729) % 200_000_000);

/** A simulated account: repository r holds images pushed a day apart; family f's revisions name repository f's builds. */
export function generateAccount(shape: AccountShape, options: { repositoryOffset?: number } = {}): SnapshotInput {
  const offset = options.repositoryOffset ?? 0;
  const repositories = Array.from({ length: shape.repositories }, (_, r) => ({
    repositoryName: `team-${r % 20}/service-${r}`,
    images: Array.from({ length: shape.imagesPerRepository }, (_, i) => ({
      imageDigest: digest(`${r}/${i}`),
      imageTags: i % 10 === 0 ? [] : [`build-${i}`],
      imagePushedAt: new Date(CAPTURED - (shape.imagesPerRepository - i) * DAY).toISOString(),
      imageSizeInBytes: sizeOf(r, i),
      imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
      // Builds share layers, as real ones do: the team's base, the repository's dependencies, then their own.
      layers: [
        { digest: digest(`${r}/${i}#config`), size: 5_000 },
        { digest: digest(`team-${r % 20}#base`), size: 30_000_000 },
        { digest: digest(`${r}#dependencies`), size: 15_000_000 },
        { digest: digest(`${r}/${i}#own`), size: sizeOf(r, i) - 45_005_000 },
      ],
    })),
  }));
  const taskDefinitions = Array.from({ length: shape.families }, (_, f) =>
    Array.from({ length: shape.revisionsPerFamily }, (_, rev) => {
      const repo = repositories[(f + offset) % shape.repositories]!;
      const build = shape.imagesPerRepository - shape.revisionsPerFamily + rev;
      return {
        taskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/family-${f}:${rev + 1}`,
        family: `family-${f}`, revision: rev + 1, status: rev % 7 === 3 ? 'INACTIVE' : 'ACTIVE',
        containerDefinitions: [
          { name: 'main', image: `${HOST}/${repo.repositoryName}:build-${build % 10 === 0 ? build + 1 : build}` },
          { name: 'proxy', image: 'public.ecr.aws/nginx/nginx:1.27' },
        ],
      };
    }),
  ).flat();
  const clusterArn = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/prod`;
  const running = (s: number) => taskDefinitions[(s % shape.families) * shape.revisionsPerFamily + shape.revisionsPerFamily - 1 - (s % 5)]!;
  const services = Array.from({ length: shape.services }, (_, s) => ({
    serviceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/prod/service-${s}`, serviceName: `service-${s}`, clusterArn,
    deployments: [{ id: `ecs-svc/${s}`, status: 'PRIMARY', taskDefinition: running(s).taskDefinitionArn, rolloutState: 'COMPLETED' }],
    taskSets: [],
    currentServiceRevisions: [{ arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service-revision/prod/service-${s}/${s}` }],
  }));
  const serviceRevisions = services.map((svc, s) => ({
    serviceRevisionArn: svc.currentServiceRevisions[0]!.arn, serviceArn: svc.serviceArn, taskDefinition: running(s).taskDefinitionArn,
    containerImages: [{ containerName: 'main', image: running(s).containerDefinitions[0]!.image }],
  }));
  const serviceDeployments = services.map((svc, s) => ({
    serviceDeploymentArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service-deployment/prod/service-${s}/d${s}`, serviceArn: svc.serviceArn,
    status: 'SUCCESSFUL', targetServiceRevision: { arn: svc.currentServiceRevisions[0]!.arn }, finishedAt: new Date(CAPTURED - DAY).toISOString(),
  }));
  const tasks = services.flatMap((svc, s) => [0, 1].map((t) => ({
    taskArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/prod/${s}-${t}`, clusterArn, taskDefinitionArn: running(s).taskDefinitionArn,
    lastStatus: 'RUNNING', group: `service:${svc.serviceName}`, containers: [{ name: 'main', image: running(s).containerDefinitions[0]!.image }],
  })));
  const functions = Array.from({ length: shape.lambdaFunctions }, (_, f) => ['$LATEST', '1', '2', '3'].map((Version, v) => {
    const repo = repositories[(f + offset) % shape.repositories]!;
    const image = repo.images[shape.imagesPerRepository - 1 - v]!;
    return {
      Configuration: { FunctionName: `fn-${f}`, FunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:fn-${f}${Version === '$LATEST' ? '' : `:${Version}`}`, Version, PackageType: 'Image' },
      Code: { ImageUri: `${HOST}/${repo.repositoryName}:build-${shape.imagesPerRepository - 1 - v}`, ResolvedImageUri: `${HOST}/${repo.repositoryName}@${image.imageDigest}` },
    };
  })).flat();
  const aliases = Array.from({ length: shape.lambdaFunctions }, (_, f) => ({ AliasArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:fn-${f}:live`, Name: 'live', FunctionVersion: '3' }));
  return {
    schemaVersion: 1, accountId: ACCOUNT, region: REGION, capturedAt: new Date(CAPTURED).toISOString(),
    ecr: { repositories }, ecs: { taskDefinitions, services, serviceRevisions, serviceDeployments, tasks }, lambda: { functions, aliases },
  };
}
