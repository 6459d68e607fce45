import * as z from 'zod';
import { apiOf } from './api-names.js';
import type { LedgerChange } from './ledger-event.js';
import { serviceSchema } from '../snapshot/schema.js';
import { serviceFact } from '../snapshot/to-facts.js';

const ECS_APIS = [
  'RegisterTaskDefinition', 'DeregisterTaskDefinition', 'DeleteTaskDefinitions', 'CreateService', 'UpdateService', 'DeleteService',
  'CreateTaskSet', 'UpdateServicePrimaryTaskSet', 'DeleteTaskSet',
  // ECS Express Mode (App Runner's successor): an Express service is an ECS service; its calls ask for it to be read again.
  'CreateExpressGatewayService', 'UpdateExpressGatewayService', 'DeleteExpressGatewayService',
] as const;
const LAMBDA_APIS = ['CreateFunction', 'UpdateFunctionCode', 'PublishVersion', 'CreateAlias', 'UpdateAlias', 'DeleteAlias', 'DeleteFunction'] as const;
const ECR_APIS = ['DeleteRepository'] as const;
const BATCH_APIS = ['RegisterJobDefinition', 'DeregisterJobDefinition'] as const;
const APPRUNNER_APIS = ['CreateService', 'UpdateService', 'DeleteService'] as const;

const record = z.looseObject({
  eventName: z.string().min(1),
  eventSource: z.string().min(1),
  errorCode: z.string().optional(),
  requestParameters: z.looseObject({}).nullish(),
  responseElements: z.looseObject({}).nullish(),
});

const str = z.string().min(1);
const taskDefinition = z.looseObject({
  taskDefinitionArn: str, family: str, revision: z.number().int().positive(), status: z.string().optional(),
  containerDefinitions: z.array(z.looseObject({ name: z.string(), image: z.string() })),
});

/** Lambda's CloudTrail records use camelCase; accept the SDK's PascalCase too. */
const pick = (o: Record<string, unknown> | null | undefined, key: string): unknown => o?.[key] ?? o?.[key[0]!.toUpperCase() + key.slice(1)];
const need = (value: unknown, path: string): string => {
  if (typeof value === 'string' && value !== '') return value;
  throw new z.ZodError([{ code: 'custom', path: path.split('.'), message: 'missing or not a string', input: value }]);
};
/** `arn:…:function:NAME[:Q]` or `NAME` → `NAME`. */
const functionNameOf = (ref: string) => (ref.startsWith('arn:') ? ref.split(':')[6]! : ref.split(':')[0]!);

function ecs(api: (typeof ECS_APIS)[number], req: Record<string, unknown> | null | undefined, res: Record<string, unknown> | null | undefined): LedgerChange {
  switch (api) {
    case 'RegisterTaskDefinition': {
      const td = taskDefinition.safeParse(pick(res, 'taskDefinition'));
      if (!td.success) return { kind: 'task-family-changed', family: need(pick(req, 'family'), 'requestParameters.family') };
      return {
        kind: 'task-definition-registered',
        taskDefinition: {
          taskDefinitionArn: td.data.taskDefinitionArn, family: td.data.family, revision: td.data.revision, status: td.data.status ?? 'ACTIVE',
          containers: td.data.containerDefinitions.map((c) => ({ containerName: c.name, image: c.image })),
        },
      };
    }
    case 'DeregisterTaskDefinition':
      return { kind: 'task-definition-status', taskDefinitions: [need(pick(req, 'taskDefinition'), 'requestParameters.taskDefinition')], status: 'INACTIVE' };
    case 'DeleteTaskDefinitions': {
      const list = z.array(str).min(1).safeParse(pick(req, 'taskDefinitions'));
      if (!list.success) throw list.error;
      return { kind: 'task-definition-status', taskDefinitions: list.data, status: 'DELETE_IN_PROGRESS' };
    }
    default: {
      const service = pick(res, 'service') as Record<string, unknown> | undefined;
      const serviceArn = typeof service?.serviceArn === 'string' ? service.serviceArn : undefined;
      // An Express service names its cluster `cluster` (a name or an ARN); an ECS service `clusterArn`.
      const cluster = (typeof service?.clusterArn === 'string' ? service.clusterArn : undefined) ?? (typeof service?.cluster === 'string' ? service.cluster : undefined) ?? (pick(req, 'cluster') as string | undefined) ?? 'default';
      const carried = api === 'CreateService' || api === 'UpdateService' ? serviceSchema.safeParse(service) : undefined;
      return {
        kind: 'service-changed', cluster, service: serviceArn ?? need(pick(req, 'service') ?? pick(req, 'serviceName') ?? pick(req, 'serviceArn'), 'requestParameters.service'),
        ...(carried?.success && carried.data.deployments && { carried: serviceFact(carried.data) }),
      };
    }
  }
}

function lambda(api: (typeof LAMBDA_APIS)[number], req: Record<string, unknown> | null | undefined, res: Record<string, unknown> | null | undefined): LedgerChange | string {
  const functionName = functionNameOf(need(pick(req, 'functionName') ?? pick(res, 'functionName'), 'requestParameters.functionName'));
  switch (api) {
    case 'CreateFunction':
    case 'UpdateFunctionCode':
    case 'PublishVersion': {
      const packageType = pick(res, 'packageType') ?? pick(req, 'packageType');
      if (packageType === 'Zip') return `${api} of a Zip function`;
      const version = pick(res, 'version');
      const versions = api === 'PublishVersion' ? [need(version, 'responseElements.version')] : ['$LATEST', ...(typeof version === 'string' && version !== '$LATEST' ? [version] : [])];
      return { kind: 'lambda-versions-changed', functionName, versions };
    }
    case 'CreateAlias':
    case 'UpdateAlias': {
      const aliasArn = need(pick(res, 'aliasArn'), 'responseElements.aliasArn');
      const routing = pick(res, 'routingConfig') as Record<string, unknown> | undefined;
      const weights = (pick(routing, 'additionalVersionWeights') ?? {}) as Record<string, number>;
      return {
        kind: 'lambda-alias-changed',
        alias: { aliasArn, functionName, name: need(pick(res, 'name'), 'responseElements.name'), functionVersion: need(pick(res, 'functionVersion'), 'responseElements.functionVersion'), additionalVersions: Object.keys(weights) },
      };
    }
    case 'DeleteAlias':
      return { kind: 'lambda-alias-deleted', functionName, name: need(pick(req, 'name'), 'requestParameters.name') };
    case 'DeleteFunction': {
      const qualifier = pick(req, 'qualifier');
      return { kind: 'lambda-function-deleted', functionName, ...(typeof qualifier === 'string' && { qualifier }) };
    }
  }
}

const containerList = (list: unknown, prefix = '') => (Array.isArray(list) ? list : []).flatMap((c: Record<string, unknown>) =>
  (typeof pick(c, 'image') === 'string' ? [{ containerName: `${prefix}${String(pick(c, 'name') ?? 'container')}`, image: String(pick(c, 'image')) }] : []));

/** A job definition as RegisterJobDefinition's request (what it names) and response (its ARN and revision) give it. */
function batch(api: (typeof BATCH_APIS)[number], req: Record<string, unknown> | null | undefined, res: Record<string, unknown> | null | undefined, region: string, account: string): LedgerChange {
  if (api === 'DeregisterJobDefinition') {
    const ref = need(pick(req, 'jobDefinition'), 'requestParameters.jobDefinition');
    return { kind: 'batch-job-definition-deregistered', jobDefinition: ref.startsWith('arn:') ? ref : `arn:aws:batch:${region}:${account}:job-definition/${ref}` };
  }
  const revision = pick(res, 'revision');
  if (typeof revision !== 'number') throw new z.ZodError([{ code: 'custom', path: ['responseElements', 'revision'], message: 'missing or not a number', input: revision }]);
  const container = pick(req, 'containerProperties') as Record<string, unknown> | undefined;
  const tasks = (pick(pick(req, 'ecsProperties') as Record<string, unknown> | undefined, 'taskProperties') ?? []) as Array<Record<string, unknown>>;
  const pod = pick(pick(req, 'eksProperties') as Record<string, unknown> | undefined, 'podProperties') as Record<string, unknown> | undefined;
  return {
    kind: 'batch-job-definition-registered',
    jobDefinition: {
      jobDefinitionArn: need(pick(res, 'jobDefinitionArn'), 'responseElements.jobDefinitionArn'), jobDefinitionName: need(pick(res, 'jobDefinitionName'), 'responseElements.jobDefinitionName'),
      revision, status: 'ACTIVE',
      containers: [
        ...(typeof pick(container, 'image') === 'string' ? [{ containerName: 'container', image: String(pick(container, 'image')) }] : []),
        ...tasks.flatMap((t) => containerList(pick(t, 'containers'))),
        ...containerList(pick(pod, 'containers')), ...containerList(pick(pod, 'initContainers'), 'init '),
      ],
    },
  };
}

/** An App Runner service from the call's response (CreateService, UpdateService carry it whole). */
function apprunner(api: (typeof APPRUNNER_APIS)[number], req: Record<string, unknown> | null | undefined, res: Record<string, unknown> | null | undefined): LedgerChange | string {
  if (api === 'DeleteService') return { kind: 'apprunner-service-deleted', serviceArn: need(pick(req, 'serviceArn'), 'requestParameters.serviceArn') };
  const service = pick(res, 'service') as Record<string, unknown> | undefined;
  const image = pick(pick(pick(service, 'sourceConfiguration') as Record<string, unknown> | undefined, 'imageRepository') as Record<string, unknown> | undefined, 'imageIdentifier');
  if (image === undefined) return `App Runner ${api} of a service without an image source`;
  return {
    kind: 'apprunner-service-changed',
    service: { serviceArn: need(pick(service, 'serviceArn'), 'responseElements.service.serviceArn'), serviceName: need(pick(service, 'serviceName'), 'responseElements.service.serviceName'), status: String(pick(service, 'status') ?? 'OPERATION_IN_PROGRESS'), image: need(image, 'responseElements.service.sourceConfiguration.imageRepository.imageIdentifier') },
  };
}

/** An "AWS API Call via CloudTrail" event. Returns a change, a reason to ignore it, or the schema error. */
export function parseCloudTrail(detail: unknown, origin: { region: string; account: string } = { region: 'us-east-1', account: '000000000000' }): LedgerChange | string | z.ZodError {
  const parsed = record.safeParse(detail);
  if (!parsed.success) return parsed.error;
  const { eventName, eventSource, errorCode, requestParameters: req, responseElements: res } = parsed.data;
  if (errorCode) return `${eventName} failed (${errorCode})`;
  try {
    if (eventSource === 'ecs.amazonaws.com') {
      const api = apiOf(eventName, ECS_APIS);
      return api ? ecs(api, req, res) : `ECS call ${eventName} is not one ecr-ledger follows`;
    }
    if (eventSource === 'lambda.amazonaws.com') {
      const api = apiOf(eventName, LAMBDA_APIS);
      return api ? lambda(api, req, res) : `Lambda call ${eventName} is not one ecr-ledger follows`;
    }
    if (eventSource === 'batch.amazonaws.com') {
      const api = apiOf(eventName, BATCH_APIS);
      return api ? batch(api, req, res, origin.region, origin.account) : `Batch call ${eventName} is not one ecr-ledger follows`;
    }
    if (eventSource === 'apprunner.amazonaws.com') {
      const api = apiOf(eventName, APPRUNNER_APIS);
      return api ? apprunner(api, req, res) : `App Runner call ${eventName} is not one ecr-ledger follows`;
    }
    if (eventSource === 'ecr.amazonaws.com' && apiOf(eventName, ECR_APIS)) {
      return { kind: 'repository-deleted', repositoryName: need(pick(req, 'repositoryName'), 'requestParameters.repositoryName') };
    }
    return `${eventSource} call ${eventName} is not one ecr-ledger follows`;
  } catch (error) {
    if (error instanceof z.ZodError) return error;
    throw error;
  }
}
