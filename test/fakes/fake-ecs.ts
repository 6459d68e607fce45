import {
  DescribeServiceRevisionsCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, DescribeTasksCommand, ECSClient, ListClustersCommand,
  ListServiceDeploymentsCommand, ListServicesCommand, ListTaskDefinitionsCommand, ListTasksCommand,
  type Service, type ServiceDeploymentBrief, type ServiceRevision, type Task, type TaskDefinition,
} from '@aws-sdk/client-ecs';
import type { ECSClientResolvedConfig, ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/client-ecs';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { FAKE_CREDENTIALS } from './fake-ecr.js';
import { awsError, batchLimit, Faults, page } from './faults.js';

const key = (ref: string) => (ref.includes('task-definition/') ? ref.slice(ref.indexOf('task-definition/') + 16) : ref);
const nameOf = (ref: string | undefined, kind: string) => (ref ?? 'default').split(`${kind}/`).pop()!;

/**
 * A stateful ECS control plane behind aws-sdk-client-mock: clusters, services, tasks, task definitions, service
 * deployments and revisions, with the page sizes and batch limits of the real APIs (10 services, 100 tasks,
 * 20 service revisions per Describe call), `faults`, and per-item `failures` (ARN → reason) in Describe responses.
 */
export class FakeEcs {
  readonly client: ECSClient;
  readonly mock: AwsStub<ServiceInputTypes, ServiceOutputTypes, ECSClientResolvedConfig>;
  readonly clusters = new Map<string, { services: Map<string, Service>; tasks: Map<string, Task> }>();
  readonly taskDefinitions = new Map<string, TaskDefinition>();
  readonly serviceDeployments: ServiceDeploymentBrief[] = [];
  readonly serviceRevisions = new Map<string, ServiceRevision>();
  readonly failures = new Map<string, string>();

  constructor(readonly faults = new Faults(), readonly accountId = '123456789012', readonly region = 'us-east-1') {
    this.client = new ECSClient({ region, credentials: FAKE_CREDENTIALS });
    this.mock = mockClient(this.client);
    const arn = (resource: string) => `arn:aws:ecs:${region}:${accountId}:${resource}`;
    const cluster = (ref: string | undefined) => {
      const found = this.clusters.get(arn(`cluster/${nameOf(ref, 'cluster')}`));
      if (!found) throw awsError('ClusterNotFoundException', 'Cluster not found.');
      return found;
    };
    const describe = <T>(refs: string[], lookup: (ref: string) => T | undefined) => {
      const found: T[] = [];
      const failures: Array<{ arn: string; reason: string }> = [];
      for (const ref of refs) {
        const item = lookup(ref);
        const failure = this.failures.get(ref) ?? (item ? undefined : 'MISSING');
        if (failure) failures.push({ arn: ref, reason: failure });
        else found.push(item!);
      }
      return { found, failures };
    };
    this.mock.on(ListClustersCommand).callsFake((input) => {
      faults.check('ecs:ListClusters');
      const { items, next } = page('ecs:ListClusters', [...this.clusters.keys()], input.maxResults, input.nextToken, { max: 100, default: 100 });
      return { clusterArns: items, nextToken: next };
    });
    this.mock.on(ListServicesCommand).callsFake((input) => {
      faults.check('ecs:ListServices');
      const { items, next } = page('ecs:ListServices', [...cluster(input.cluster).services.keys()], input.maxResults, input.nextToken, { max: 100, default: 10 });
      return { serviceArns: items, nextToken: next };
    });
    this.mock.on(DescribeServicesCommand).callsFake((input) => {
      faults.check('ecs:DescribeServices');
      batchLimit('ecs:DescribeServices', input.services, 10);
      const { services } = cluster(input.cluster);
      // ECS accepts service names or ARNs.
      const { found, failures } = describe(input.services!, (ref) => services.get(ref) ?? [...services.values()].find((svc) => svc.serviceName === ref));
      return { services: found, failures };
    });
    this.mock.on(ListTasksCommand).callsFake((input) => {
      faults.check('ecs:ListTasks');
      const tasks = [...cluster(input.cluster).tasks.values()].filter((t) => (input.desiredStatus ?? 'RUNNING') === t.desiredStatus);
      const { items, next } = page('ecs:ListTasks', tasks.map((t) => t.taskArn!), input.maxResults, input.nextToken, { max: 100, default: 100 });
      return { taskArns: items, nextToken: next };
    });
    this.mock.on(DescribeTasksCommand).callsFake((input) => {
      faults.check('ecs:DescribeTasks');
      batchLimit('ecs:DescribeTasks', input.tasks, 100);
      const { tasks } = cluster(input.cluster);
      const { found, failures } = describe(input.tasks!, (ref) => tasks.get(ref));
      return { tasks: found, failures };
    });
    this.mock.on(ListTaskDefinitionsCommand).callsFake((input) => {
      faults.check('ecs:ListTaskDefinitions');
      const arns = [...this.taskDefinitions.values()].filter((td) => td.status === (input.status ?? 'ACTIVE')).map((td) => td.taskDefinitionArn!);
      const { items, next } = page('ecs:ListTaskDefinitions', arns, input.maxResults, input.nextToken, { max: 100, default: 100 });
      return { taskDefinitionArns: items, nextToken: next };
    });
    this.mock.on(DescribeTaskDefinitionCommand).callsFake((input) => {
      faults.check('ecs:DescribeTaskDefinition');
      const td = this.taskDefinitions.get(key(input.taskDefinition ?? ''));
      if (!td) throw awsError('ClientException', 'Unable to describe task definition.');
      return { taskDefinition: td };
    });
    this.mock.on(ListServiceDeploymentsCommand).callsFake((input) => {
      faults.check('ecs:ListServiceDeployments');
      const matching = this.serviceDeployments.filter((d) => d.serviceArn === input.service && (!input.status || input.status.includes(d.status!)));
      const { items, next } = page('ecs:ListServiceDeployments', matching, input.maxResults, input.nextToken, { max: 100, default: 20 });
      return { serviceDeployments: items, nextToken: next };
    });
    this.mock.on(DescribeServiceRevisionsCommand).callsFake((input) => {
      faults.check('ecs:DescribeServiceRevisions');
      batchLimit('ecs:DescribeServiceRevisions', input.serviceRevisionArns, 20);
      const { found, failures } = describe(input.serviceRevisionArns!, (ref) => this.serviceRevisions.get(ref));
      return { serviceRevisions: found, failures };
    });
  }

  clusterArn(name: string): string {
    return `arn:aws:ecs:${this.region}:${this.accountId}:cluster/${name}`;
  }

  addCluster(name: string): string {
    const clusterArn = this.clusterArn(name);
    if (!this.clusters.has(clusterArn)) this.clusters.set(clusterArn, { services: new Map(), tasks: new Map() });
    return clusterArn;
  }

  /** Registers `family:revision` naming `images` (container name → image). Returns its ARN. */
  addTaskDefinition(family: string, revision: number, images: Record<string, string>, status = 'ACTIVE'): string {
    const taskDefinitionArn = `arn:aws:ecs:${this.region}:${this.accountId}:task-definition/${family}:${revision}`;
    const containerDefinitions = Object.entries(images).map(([name, image]) => ({ name, image, essential: true, environment: [{ name: 'SECRET_ISH', value: 'not for snapshots' }] }));
    this.taskDefinitions.set(`${family}:${revision}`, { taskDefinitionArn, family, revision, status: status as TaskDefinition['status'], containerDefinitions, cpu: '256' });
    return taskDefinitionArn;
  }

  addService(clusterName: string, service: Omit<Service, 'clusterArn' | 'serviceArn'> & { serviceName: string }): string {
    const clusterArn = this.addCluster(clusterName);
    const serviceArn = `arn:aws:ecs:${this.region}:${this.accountId}:service/${clusterName}/${service.serviceName}`;
    this.clusters.get(clusterArn)!.services.set(serviceArn, { status: 'ACTIVE', ...service, serviceArn, clusterArn });
    return serviceArn;
  }

  addTask(clusterName: string, task: Omit<Task, 'clusterArn'> & { taskArn: string }): void {
    const clusterArn = this.addCluster(clusterName);
    this.clusters.get(clusterArn)!.tasks.set(task.taskArn, { desiredStatus: task.lastStatus === 'STOPPED' ? 'STOPPED' : 'RUNNING', ...task, clusterArn });
  }
}
