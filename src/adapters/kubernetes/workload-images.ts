import { AppsV1Api, BatchV1Api, CoreV1Api, KubeConfig, type V1Container, type V1ContainerStatus, type V1EphemeralContainer, type V1ObjectMeta, type V1PodSpec } from '@kubernetes/client-node';
import type { ReportedImage } from '../../app/usage-reports.js';
import { AwsReadError } from '../../errors.js';

const PAGE = 500;

/** A Kubernetes API that could not be read: the report is not sent (a partial set would release what it missed). */
export class KubernetesReadError extends AwsReadError {}

/** Where to find the cluster: the kubeconfig (a file, or the default chain) and context, or the pod's service account. */
export function kubeConfig(options: { kubeconfig?: string; context?: string }): KubeConfig {
  const kc = new KubeConfig();
  if (options.kubeconfig !== undefined) kc.loadFromFile(options.kubeconfig);
  else if (process.env.KUBERNETES_SERVICE_HOST && !process.env.KUBECONFIG) kc.loadFromCluster();
  else kc.loadFromDefault();
  if (options.context !== undefined) {
    if (!kc.getContextObject(options.context)) throw new KubernetesReadError(`no context ${options.context} in the kubeconfig (contexts: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
    kc.setCurrentContext(options.context);
  }
  return kc;
}

interface Page<T> { items: T[]; metadata?: { _continue?: string } }

async function listAll<T>(what: string, list: (token: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    let page: Page<T>;
    try {
      page = await list(token);
    } catch (error) {
      const e = error as { code?: number; body?: unknown; message?: string };
      throw new KubernetesReadError(`listing ${what} failed: ${e.code ? `HTTP ${e.code} ` : ''}${typeof e.body === 'string' ? e.body.slice(0, 200) : e.message ?? String(error)}`, { cause: error });
    }
    items.push(...page.items);
    token = page.metadata?._continue || undefined;
  } while (token);
  return items;
}

/** The image a container status says the container runs: its digest, on the repository the spec names. */
export function runningImage(specImage: string, imageID: string | undefined): string | undefined {
  if (!imageID) return undefined;
  const id = imageID.replace(/^(docker-pullable|docker):\/\//, '');
  if (/@sha256:[0-9a-f]{64}$/.test(id)) return id;
  if (/^sha256:[0-9a-f]{64}$/.test(id)) return `${specImage.replace(/@sha256:[0-9a-f]{64}$/, '').replace(/:[^/:]+$/, '')}@${id}`;
  return undefined;
}

type AnyContainer = V1Container | V1EphemeralContainer;

/**
 * Every image the cluster runs or is set to run: each container, init container and ephemeral container of every
 * pod (the digest its status reports where present, else the reference), and the pod templates of Deployments,
 * StatefulSets, DaemonSets, every ReplicaSet still kept (a Deployment's rollback history), Jobs and CronJobs —
 * including workloads scaled to zero.
 */
export async function readClusterImages(kc: KubeConfig): Promise<ReportedImage[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const found: ReportedImage[] = [];
  const add = (image: string | undefined, workload: string) => { if (image) found.push({ image, workloads: [workload] }); };
  const name = (kind: string, meta: V1ObjectMeta | undefined) => `${kind} ${meta?.namespace ?? ''}/${meta?.name ?? ''}`;
  const containersOf = (spec: V1PodSpec | undefined): Array<[string, AnyContainer]> => [
    ...(spec?.containers ?? []).map((c) => ['container', c] as [string, AnyContainer]),
    ...(spec?.initContainers ?? []).map((c) => ['init container', c] as [string, AnyContainer]),
    ...(spec?.ephemeralContainers ?? []).map((c) => ['ephemeral container', c] as [string, AnyContainer]),
  ];
  const template = (kind: string, meta: V1ObjectMeta | undefined, spec: V1PodSpec | undefined, note = '') => {
    for (const [role, c] of containersOf(spec)) add(c.image, `${name(kind, meta)} ${role} ${c.name}${note}`);
  };

  const [pods, deployments, statefulSets, daemonSets, replicaSets, jobs, cronJobs] = await Promise.all([
    listAll('pods', (t) => core.listPodForAllNamespaces({ limit: PAGE, _continue: t })),
    listAll('deployments', (t) => apps.listDeploymentForAllNamespaces({ limit: PAGE, _continue: t })),
    listAll('statefulsets', (t) => apps.listStatefulSetForAllNamespaces({ limit: PAGE, _continue: t })),
    listAll('daemonsets', (t) => apps.listDaemonSetForAllNamespaces({ limit: PAGE, _continue: t })),
    listAll('replicasets', (t) => apps.listReplicaSetForAllNamespaces({ limit: PAGE, _continue: t })),
    listAll('jobs', (t) => batch.listJobForAllNamespaces({ limit: PAGE, _continue: t })),
    listAll('cronjobs', (t) => batch.listCronJobForAllNamespaces({ limit: PAGE, _continue: t })),
  ]);
  for (const pod of pods) {
    const statuses = new Map<string, V1ContainerStatus>([...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.ephemeralContainerStatuses ?? [])].map((s) => [s.name, s]));
    for (const [role, c] of containersOf(pod.spec)) {
      const running = runningImage(c.image ?? '', statuses.get(c.name)?.imageID);
      add(running ?? c.image, `${name('Pod', pod.metadata)} ${role} ${c.name}`);
    }
  }
  const replicas = (n: number | undefined) => (n === 0 ? ' (scaled to zero)' : '');
  for (const d of deployments) template('Deployment', d.metadata, d.spec?.template.spec, replicas(d.spec?.replicas));
  for (const s of statefulSets) template('StatefulSet', s.metadata, s.spec?.template.spec, replicas(s.spec?.replicas));
  for (const d of daemonSets) template('DaemonSet', d.metadata, d.spec?.template.spec);
  for (const r of replicaSets) template('ReplicaSet', r.metadata, r.spec?.template?.spec, replicas(r.spec?.replicas));
  for (const j of jobs) template('Job', j.metadata, j.spec?.template.spec);
  for (const c of cronJobs) template('CronJob', c.metadata, c.spec?.jobTemplate.spec?.template.spec);
  return found;
}
