import * as z from 'zod';
import { isDigest } from '../domain/image-reference.js';

/**
 * The account snapshot: AWS API response shapes, validated only where ecr-ledger reads them.
 * Objects are loose so that a snapshot written from live responses keeps every other field.
 */

/** A timestamp as the SDK (ISO string) or the AWS CLI (ISO string or epoch seconds) writes it; normalised to ISO. */
export const timestamp = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = typeof value === 'number' ? value * 1000 : Date.parse(value);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: `expected an ISO-8601 time or epoch seconds, got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return new Date(ms).toISOString();
});

const digest = z.string().refine(isDigest, { message: 'expected a digest (sha256: followed by 64 lowercase hex digits)' });

export const imageDetailSchema = z.looseObject({
  imageDigest: digest,
  imageTags: z.array(z.string()).optional(),
  imagePushedAt: timestamp,
  imageSizeInBytes: z.number().nonnegative().optional(),
  imageManifestMediaType: z.string().optional(),
  artifactMediaType: z.string().optional(),
  lastRecordedPullTime: timestamp.optional(),
  imageStatus: z.string().optional(),
  lastArchivedAt: timestamp.optional(),
  subjectManifestDigest: digest.optional(),
  /** The manifest body as BatchGetImage returns it (a JSON string); needed for indexes and artifacts with a subject. */
  imageManifest: z.union([z.string(), z.looseObject({})]).optional(),
  /** The blobs (config and layers) its manifest names, when the manifest itself is not carried: what deleting it could free. */
  layers: z.array(z.looseObject({ digest, size: z.number().int().nonnegative() })).optional(),
});

const repositorySchema = z.looseObject({
  repositoryName: z.string().min(1),
  policyText: z.string().optional(),
  /** GetLifecyclePolicy's text; absent when the repository has no lifecycle policy. */
  lifecyclePolicyText: z.string().optional(),
  images: z.array(imageDetailSchema).optional(),
});

/** DescribeRegistry's replicationConfiguration: which rules replicate deletions (deleteReplication, ECR 2026) where. */
export const replicationConfigurationSchema = z.looseObject({
  rules: z.array(z.looseObject({
    destinations: z.array(z.looseObject({ region: z.string().min(1), registryId: z.string().regex(/^\d{12}$/, 'expected a 12-digit registry id') })),
    repositoryFilters: z.array(z.looseObject({ filter: z.string(), filterType: z.string() })).optional(),
    deleteReplication: z.looseObject({ enabled: z.boolean() }).optional(),
  })).optional(),
});

const taskDefinitionSchema = z.looseObject({
  taskDefinitionArn: z.string().min(1),
  family: z.string().min(1),
  revision: z.number().int().positive(),
  status: z.string().optional(),
  containerDefinitions: z.array(z.looseObject({ name: z.string(), image: z.string() })),
});

export const serviceSchema = z.looseObject({
  serviceArn: z.string().min(1),
  serviceName: z.string().min(1),
  clusterArn: z.string().min(1),
  deployments: z
    .array(z.looseObject({ id: z.string(), status: z.string(), taskDefinition: z.string(), rolloutState: z.string().optional() }))
    .optional(),
  taskSets: z.array(z.looseObject({ taskSetArn: z.string(), status: z.string(), taskDefinition: z.string() })).optional(),
  currentServiceRevisions: z.array(z.looseObject({ arn: z.string() })).optional(),
});

const serviceDeploymentSchema = z.looseObject({
  serviceDeploymentArn: z.string().min(1),
  serviceArn: z.string().min(1),
  status: z.string(),
  targetServiceRevision: z.looseObject({ arn: z.string() }).optional(),
  createdAt: timestamp.optional(),
  updatedAt: timestamp.optional(),
  finishedAt: timestamp.optional(),
});

const serviceRevisionSchema = z.looseObject({
  serviceRevisionArn: z.string().min(1),
  serviceArn: z.string().min(1),
  taskDefinition: z.string().min(1),
  containerImages: z
    .array(z.looseObject({ containerName: z.string(), image: z.string(), imageDigest: digest.optional() }))
    .optional(),
});

const taskSchema = z.looseObject({
  taskArn: z.string().min(1),
  clusterArn: z.string().min(1),
  taskDefinitionArn: z.string().min(1),
  lastStatus: z.string(),
  stoppedAt: timestamp.optional(),
  group: z.string().optional(),
  containers: z.array(z.looseObject({ name: z.string(), image: z.string(), imageDigest: digest.optional() })).optional(),
});

const lambdaFunctionSchema = z.looseObject({
  Configuration: z.looseObject({
    FunctionName: z.string().min(1),
    FunctionArn: z.string().min(1),
    Version: z.string().min(1),
    PackageType: z.string().optional(),
  }),
  Code: z.looseObject({ ImageUri: z.string().optional(), ResolvedImageUri: z.string().optional() }).optional(),
});

const lambdaAliasSchema = z.looseObject({
  AliasArn: z.string().min(1),
  Name: z.string().min(1),
  FunctionVersion: z.string().min(1),
  RoutingConfig: z.looseObject({ AdditionalVersionWeights: z.record(z.string(), z.number()).optional() }).optional(),
});

const containerImage = z.looseObject({ name: z.string().optional(), image: z.string().min(1) });

/** DescribeJobDefinitions' jobDefinitions: container, ECS (multi-container) and EKS properties each name images. */
const batchJobDefinitionSchema = z.looseObject({
  jobDefinitionArn: z.string().min(1),
  jobDefinitionName: z.string().min(1),
  revision: z.number().int().positive(),
  status: z.string().optional(),
  containerProperties: z.looseObject({ image: z.string().optional() }).optional(),
  ecsProperties: z.looseObject({ taskProperties: z.array(z.looseObject({ containers: z.array(containerImage).optional() })).optional() }).optional(),
  eksProperties: z.looseObject({ podProperties: z.looseObject({ containers: z.array(containerImage).optional(), initContainers: z.array(containerImage).optional() }).optional() }).optional(),
});

/** App Runner DescribeService's Service, with an image source. */
const appRunnerServiceSchema = z.looseObject({
  ServiceArn: z.string().min(1),
  ServiceName: z.string().min(1),
  Status: z.string(),
  SourceConfiguration: z.looseObject({ ImageRepository: z.looseObject({ ImageIdentifier: z.string().min(1), ImageRepositoryType: z.string().optional() }).optional() }).optional(),
});

export const snapshotSchema = z.looseObject({
  schemaVersion: z.literal(1),
  accountId: z.string().regex(/^\d{12}$/, 'expected a 12-digit account id'),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'expected a region such as us-east-1'),
  capturedAt: timestamp,
  ecr: z.looseObject({ repositories: z.array(repositorySchema).optional(), replicationConfiguration: replicationConfigurationSchema.optional() }).optional(),
  ecs: z
    .looseObject({
      taskDefinitions: z.array(taskDefinitionSchema).optional(),
      services: z.array(serviceSchema).optional(),
      serviceDeployments: z.array(serviceDeploymentSchema).optional(),
      serviceRevisions: z.array(serviceRevisionSchema).optional(),
      tasks: z.array(taskSchema).optional(),
    })
    .optional(),
  lambda: z
    .looseObject({ functions: z.array(lambdaFunctionSchema).optional(), aliases: z.array(lambdaAliasSchema).optional() })
    .optional(),
  batch: z.looseObject({ jobDefinitions: z.array(batchJobDefinitionSchema).optional() }).optional(),
  apprunner: z.looseObject({ services: z.array(appRunnerServiceSchema).optional() }).optional(),
  /** Inspector's ListCoverage entries of ECR images used within the configured days (config `evidence.inspector`). */
  inspector: z.looseObject({ coverage: z.array(z.looseObject({
    resourceId: z.string().regex(/^arn:aws[a-z-]*:ecr:[a-z0-9-]+:\d{12}:repository\/.+\/sha256:[0-9a-f]{64}$/, 'expected an ECR image resource id (arn:…:repository/REPO/sha256:…)'),
    resourceMetadata: z.looseObject({ ecrImage: z.looseObject({ lastInUseAt: timestamp, inUseCount: z.number().optional() }) }),
  })).optional() }).optional(),
});

export type Snapshot = z.output<typeof snapshotSchema>;
export type SnapshotInput = z.input<typeof snapshotSchema>;
export type SnapshotImageDetail = z.output<typeof imageDetailSchema>;
