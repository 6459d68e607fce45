import type { Service } from '@aws-sdk/client-ecs';
import { cloudTrailEvent } from '../fixtures/events/cloudtrail.js';
import { unheard } from './ecs-steps.js';
import type { Sim } from './sim.js';
import type { Delivery, Op } from './timeline.js';
import { hear } from './truth.js';
import { HOST, REPO, SCOPE } from './world.js';

type ServiceOp = Extract<Op, { op: 'deployService' | 'completeService' | 'retireRevisions' | 'scaleService' }>;
const SERVICE_OPS = new Set<string>(['deployService', 'completeService', 'retireRevisions', 'scaleService']);
export const isServiceOp = (o: Op): o is ServiceOp => SERVICE_OPS.has(o.op);

/** One deployment of the service: the revision it runs, the digest ECS pinned for it, its one task. */
interface Deployment {
  readonly id: string;
  status: 'PRIMARY' | 'ACTIVE';
  rolloutState: 'IN_PROGRESS' | 'COMPLETED';
  readonly taskDefinition: string;
  readonly image: string;
  readonly digest: string;
  /** Who uses the digest in the truth: the deployment, while it lasts (whether or not a task runs now). */
  readonly use: string;
  /** Its task now (ECS starts a new one when the service scales up again); undefined while scaled to zero. */
  task?: string;
  starts: number;
  readonly revisionArn: string;
  readonly deploymentArn: string;
}

/** The registry account's ECS service `web` (family `svc`), as the world has deployed it. */
export interface SimService {
  readonly arn: string;
  revisions: number;
  made: number;
  scaledToZero?: boolean;
  readonly deployments: Deployment[];
}

const CLUSTER = 'prod';
const ECS_MINUTE = 1 / 60;
const FAMILY = 'svc';

/**
 * An ECS service in the registry's account: each deployment registers a revision of its family naming a tag or a
 * digest, ECS pins the digest in a service revision, starts the deployment's task and keeps the previous deployment
 * running (ACTIVE) until the new one completes; then the old tasks stop. Revisions no deployment runs are deregistered
 * now and then. What the service runs is a task use in the truth (retention and grace after it stops); the revisions
 * it keeps ACTIVE may be kept by the product's family window (rollback targets): a liveness matter only.
 */
export async function serviceStep(sim: Sim, o: ServiceOp): Promise<void> {
  const ecs = sim.registry.ecs;
  const clusterArn = ecs.addCluster(CLUSTER);
  const service = (sim.service ??= { arn: `arn:aws:ecs:${SCOPE.region}:${SCOPE.accountId}:service/${CLUSTER}/web`, revisions: 0, made: 0, deployments: [] });
  switch (o.op) {
    case 'deployService': {
      const d = sim.tagged(o.tag);
      if (!d) break;
      sim.hour += ECS_MINUTE; // a deployment takes ECS a while: no two start or finish at the same instant
      const revision = (service.revisions += 1);
      const k = (service.made += 1);
      const image = o.byDigest ? `${HOST}/${REPO}@${d}` : `${HOST}/${REPO}:${o.tag}`;
      const taskDefinition = ecs.addTaskDefinition(FAMILY, revision, { main: image });
      sim.truth.revisionHolds.push({ revision, ...(o.byDigest ? { digest: d } : { tag: o.tag }), from: sim.nowMs() });
      await sim.emit(cloudTrailEvent('ecs', 'RegisterTaskDefinition', { time: sim.iso(), requestParameters: { family: FAMILY }, responseElements: { taskDefinition: ecs.taskDefinitions.get(`${FAMILY}:${revision}`) } }), o.delivery);
      const revisionArn = `arn:aws:ecs:${SCOPE.region}:${SCOPE.accountId}:service-revision/${CLUSTER}/web/${k}`;
      ecs.serviceRevisions.set(revisionArn, { serviceRevisionArn: revisionArn, serviceArn: service.arn, clusterArn, taskDefinition, containerImages: [{ containerName: 'main', image, imageDigest: d }], createdAt: sim.now() });
      // The deployment under way, if any, and the running one keep running (ACTIVE) until this one completes.
      for (const earlier of service.deployments) {
        if (earlier.status === 'PRIMARY' && earlier.rolloutState === 'IN_PROGRESS') settle(sim, earlier, 'STOPPED');
        earlier.status = 'ACTIVE';
      }
      const deployment: Deployment = {
        id: `ecs-svc/web-${k}`, status: 'PRIMARY', rolloutState: 'IN_PROGRESS', taskDefinition, image, digest: d, use: `service web, deployment ${k}`, starts: 1, revisionArn,
        deploymentArn: `arn:aws:ecs:${SCOPE.region}:${SCOPE.accountId}:service-deployment/${CLUSTER}/web/${k}`,
      };
      service.deployments.push(deployment);
      ecs.serviceDeployments.push({ serviceDeploymentArn: deployment.deploymentArn, serviceArn: service.arn, clusterArn, status: 'IN_PROGRESS', targetServiceRevisionArn: revisionArn, startedAt: sim.now() });
      publish(sim, service);
      // The deployment uses its digest while it lasts (grace after it goes); each of its tasks is a run of its own
      // (the stopped-task retention after it stops). A scaled-to-zero deployment that goes stops no task then.
      const use: (typeof sim.truth.schedules)[number] = { family: FAMILY, who: deployment.use, digest: d, from: sim.nowMs(), account: SCOPE.accountId, ...(unheard(o.delivery) && { quiet: true as const }) };
      sim.truth.schedules.push(use);
      if (!service.scaledToZero) await taskChange(sim, deployment, 'RUNNING', o.delivery, async () => { hear(use); });
      await deploymentChange(sim, service, 'SERVICE_DEPLOYMENT_IN_PROGRESS', o.delivery, async () => { hear(use); });
      break;
    }
    case 'completeService': {
      const primary = service.deployments.find((x) => x.status === 'PRIMARY' && x.rolloutState === 'IN_PROGRESS');
      if (!primary) break;
      sim.hour += ECS_MINUTE;
      primary.rolloutState = 'COMPLETED';
      settle(sim, primary, 'SUCCESSFUL');
      // The old deployments' tasks stop: the service runs the new revision alone.
      for (const old of service.deployments.filter((x) => x.status === 'ACTIVE')) {
        service.deployments.splice(service.deployments.indexOf(old), 1);
        for (const use of sim.truth.schedules.filter((u) => u.who === old.use && u.to === undefined)) use.to = sim.nowMs();
        if (old.task) await taskChange(sim, old, 'STOPPED', o.delivery);
      }
      publish(sim, service);
      await deploymentChange(sim, service, 'SERVICE_DEPLOYMENT_COMPLETED', o.delivery);
      break;
    }
    case 'scaleService': {
      // Scaled to zero, the service still deploys its revisions: it pulls their images again when it scales up.
      service.scaledToZero = o.to === 0;
      for (const deployment of service.deployments) {
        if (o.to === 0 && deployment.task) await taskChange(sim, deployment, 'STOPPED', o.delivery);
        if (o.to === 1 && !deployment.task) {
          deployment.starts += 1;
          await taskChange(sim, deployment, 'RUNNING', o.delivery);
        }
      }
      publish(sim, service);
      break;
    }
    case 'retireRevisions': {
      // Every revision of the family no deployment runs is deregistered (a release pipeline's clean-up).
      const running = new Set(service.deployments.map((x) => x.taskDefinition));
      for (let revision = 1; revision <= service.revisions; revision += 1) {
        const td = ecs.taskDefinitions.get(`${FAMILY}:${revision}`);
        if (!td || td.status !== 'ACTIVE' || running.has(td.taskDefinitionArn!)) continue;
        ecs.taskDefinitions.set(`${FAMILY}:${revision}`, { ...td, status: 'INACTIVE' });
        for (const hold of sim.truth.revisionHolds.filter((h) => h.revision === revision && h.to === undefined)) hold.to = sim.nowMs();
        await sim.emit(cloudTrailEvent('ecs', 'DeregisterTaskDefinition', { time: sim.iso(), requestParameters: { taskDefinition: td.taskDefinitionArn }, responseElements: { taskDefinition: { ...td, status: 'INACTIVE' } } }), o.delivery);
      }
      break;
    }
  }
}

/** ECS's record of a deployment, as ListServiceDeployments returns it. */
function settle(sim: Sim, deployment: Deployment, status: 'SUCCESSFUL' | 'STOPPED'): void {
  const brief = sim.registry.ecs.serviceDeployments.find((b) => b.serviceDeploymentArn === deployment.deploymentArn);
  if (brief) Object.assign(brief, { status, finishedAt: sim.now() });
}

/** The service as DescribeServices returns it now. */
function publish(sim: Sim, service: SimService): void {
  const ecs = sim.registry.ecs;
  const described: Omit<Service, 'clusterArn' | 'serviceArn'> & { serviceName: string } = {
    serviceName: 'web', status: 'ACTIVE',
    desiredCount: service.scaledToZero ? 0 : 1,
    deployments: service.deployments.map((x) => ({ id: x.id, status: x.status, taskDefinition: x.taskDefinition, rolloutState: x.rolloutState })),
    currentServiceRevisions: service.deployments.map((x) => ({ arn: x.revisionArn })),
  };
  ecs.addService(CLUSTER, described);
}

/** The deployment's task starts (a new one) or stops, as ECS records it and EventBridge carries it. */
async function taskChange(sim: Sim, deployment: Deployment, lastStatus: 'RUNNING' | 'STOPPED', delivery: Delivery, heard?: () => Promise<void>): Promise<void> {
  const ecs = sim.registry.ecs;
  const id = lastStatus === 'RUNNING' ? `svc-${deployment.id.slice(deployment.id.lastIndexOf('-') + 1)}-${deployment.starts}` : deployment.task!;
  deployment.task = lastStatus === 'RUNNING' ? id : undefined;
  if (lastStatus === 'RUNNING') {
    const run: (typeof sim.truth.runs)[number] = { task: id, digest: deployment.digest, from: sim.nowMs(), account: SCOPE.accountId, ...(unheard(delivery) && { quiet: true as const }) };
    sim.truth.runs.push(run);
    const told = heard;
    heard = async () => { hear(run); await told?.(); };
  } else {
    for (const run of sim.truth.runs.filter((r) => r.task === id && r.to === undefined)) run.to = sim.nowMs();
  }
  const taskArn = `arn:aws:ecs:${SCOPE.region}:${SCOPE.accountId}:task/${CLUSTER}/${id}`;
  const detail = {
    taskArn, clusterArn: ecs.clusterArn(CLUSTER), taskDefinitionArn: deployment.taskDefinition, lastStatus, desiredStatus: lastStatus, version: lastStatus === 'RUNNING' ? 1 : 2, group: 'service:web',
    ...(lastStatus === 'STOPPED' && { stoppedAt: sim.iso() }), containers: [{ name: 'main', image: deployment.image, imageDigest: deployment.digest }],
  };
  ecs.addTask(CLUSTER, { ...detail, stoppedAt: lastStatus === 'STOPPED' ? sim.now() : undefined } as never);
  await sim.emit(sim.envelope('ECS Task State Change', 'aws.ecs', detail, [taskArn]), delivery, heard);
}

async function deploymentChange(sim: Sim, service: SimService, eventName: string, delivery: Delivery, heard?: () => Promise<void>): Promise<void> {
  await sim.emit(sim.envelope('ECS Deployment State Change', 'aws.ecs', { eventType: 'INFO', eventName, deploymentId: service.deployments.at(-1)?.id ?? 'none', updatedAt: sim.iso() }, [service.arn]), delivery, heard);
}
