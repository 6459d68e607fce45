import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The list endpoints ecr-ledger reads, and the List kind each answers with (Kubernetes API reference). */
const LISTS: Record<string, { kind: string; apiVersion: string }> = {
  '/api/v1/pods': { kind: 'PodList', apiVersion: 'v1' },
  '/apis/apps/v1/deployments': { kind: 'DeploymentList', apiVersion: 'apps/v1' },
  '/apis/apps/v1/statefulsets': { kind: 'StatefulSetList', apiVersion: 'apps/v1' },
  '/apis/apps/v1/daemonsets': { kind: 'DaemonSetList', apiVersion: 'apps/v1' },
  '/apis/apps/v1/replicasets': { kind: 'ReplicaSetList', apiVersion: 'apps/v1' },
  '/apis/batch/v1/jobs': { kind: 'JobList', apiVersion: 'batch/v1' },
  '/apis/batch/v1/cronjobs': { kind: 'CronJobList', apiVersion: 'batch/v1' },
};

/**
 * A local HTTP server answering the Kubernetes API's cluster-wide list paths with List objects in the documented
 * shapes (`metadata.continue` paging with `limit`), requiring the bearer token; anything else is a 404 Status.
 */
export class FakeKubernetes {
  readonly objects = new Map<string, object[]>(Object.keys(LISTS).map((path) => [path, []]));
  readonly requests: string[] = [];
  /** Paths answered with 403 Forbidden (RBAC missing). */
  readonly forbidden = new Set<string>();
  private server?: Server;
  url = '';

  /** Which bearer tokens the API server accepts (default: exactly `token`). */
  accepts: (token: string) => boolean;

  constructor(readonly token = 'test-token') {
    this.accepts = (t) => t === this.token;
  }

  add(path: keyof typeof LISTS | string, ...items: object[]): this {
    this.objects.get(path)!.push(...items);
    return this;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      this.requests.push(`${req.method} ${url.pathname}${url.search}`);
      const status = (code: number, reason: string, message: string) => res.writeHead(code, { 'content-type': 'application/json' })
        .end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }));
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!bearer || !this.accepts(bearer)) return status(401, 'Unauthorized', 'Unauthorized');
      const list = LISTS[url.pathname];
      if (!list) return status(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`);
      if (this.forbidden.has(url.pathname)) return status(403, 'Forbidden', `${url.pathname} is forbidden: User "system:serviceaccount:ecr-ledger:reporter" cannot list resource at the cluster scope`);
      const items = this.objects.get(url.pathname)!;
      const start = Number(url.searchParams.get('continue') ?? 0);
      const limit = Number(url.searchParams.get('limit') ?? items.length) || items.length;
      const end = Math.min(items.length, start + limit);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        kind: list.kind, apiVersion: list.apiVersion, metadata: { resourceVersion: '4711', ...(end < items.length && { continue: String(end) }) }, items: items.slice(start, end),
      }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this;
  }

  close(): void {
    this.server?.close();
  }

  /** A kubeconfig file with one context pointing at this server. */
  async kubeconfig(dir: string, context = 'test'): Promise<string> {
    const file = join(dir, 'kubeconfig');
    await writeFile(file, [
      'apiVersion: v1', 'kind: Config', `current-context: ${context}`,
      'clusters:', `- name: fake`, `  cluster:`, `    server: ${this.url}`, '    insecure-skip-tls-verify: true',
      'users:', `- name: reporter`, `  user:`, `    token: ${this.token}`,
      'contexts:', `- name: ${context}`, `  context:`, `    cluster: fake`, `    user: reporter`,
    ].join('\n'));
    return file;
  }
}

/** Minimal objects in the API's shapes. */
export const k8s = {
  meta: (namespace: string, name: string) => ({ namespace, name, uid: `${namespace}-${name}`, resourceVersion: '1' }),
  podSpec: (containers: Array<[string, string]>, initContainers: Array<[string, string]> = []) => ({
    containers: containers.map(([name, image]) => ({ name, image })), ...(initContainers.length > 0 && { initContainers: initContainers.map(([name, image]) => ({ name, image })) }),
  }),
};
