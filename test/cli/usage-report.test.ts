import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { FakeAccount } from '../fakes/fake-account.js';
import { FakeKubernetes, k8s } from '../fakes/fake-kubernetes.js';

const EXAMPLE = 'examples/account.json';
const CONFIG = 'examples/config.yaml';
const HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';

async function cli(at: string, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), clock: () => new Date(at), stdin: async () => stdin });
  return { code, out: out.join('\n'), err: err.join('\n'), json: () => JSON.parse(out.join('\n')) };
}
let stdin = '';

const digestOf = async (repository: string, tag: string): Promise<string> => {
  const snapshot = JSON.parse(await readFile(EXAMPLE, 'utf8'));
  return snapshot.ecr.repositories.find((r: { repositoryName: string }) => r.repositoryName === repository).images.find((i: { imageTags: string[] }) => i.imageTags.includes(tag)).imageDigest;
};

/** A cluster that runs images of the example account only Kubernetes knows about. */
async function cluster(): Promise<FakeKubernetes> {
  const r4 = await digestOf('checkout', 'r4');
  return new FakeKubernetes()
    .add('/apis/apps/v1/deployments', { metadata: k8s.meta('prod', 'checkout'), spec: { replicas: 0, selector: {}, template: { spec: k8s.podSpec([['app', `${HOST}/checkout:r6`]]) } } })
    .add('/apis/apps/v1/replicasets', { metadata: k8s.meta('prod', 'checkout-5c8d9'), spec: { replicas: 0, selector: {}, template: { spec: k8s.podSpec([['app', `${HOST}/checkout:r5`]]) } } })
    .add('/apis/batch/v1/cronjobs', { metadata: k8s.meta('batch', 'report'), spec: { schedule: '0 4 * * *', jobTemplate: { spec: { template: { spec: k8s.podSpec([['report', `${HOST}/jobs/report:2026.1`]]) } } } } })
    .add('/api/v1/pods',
      { metadata: k8s.meta('web', 'frontend-abc'), spec: k8s.podSpec([['app', `${HOST}/checkout:r11`]], [['assets', `${HOST}/preview/frontend:pr-1210`]]),
        // The tag r11 moved after the pod started: the pod still runs the image it pulled, r4's digest.
        status: { phase: 'Running', containerStatuses: [{ name: 'app', image: `${HOST}/checkout:r11`, imageID: `docker-pullable://${HOST}/checkout@${r4}`, ready: true, restartCount: 0 }] } },
      { metadata: k8s.meta('web', 'proxy'), spec: k8s.podSpec([['nginx', 'docker.io/library/nginx:1.27']]) })
    .start();
}

const clusters: FakeKubernetes[] = [];
afterEach(() => { clusters.splice(0).forEach((c) => c.close()); stdin = ''; });

async function world() {
  const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-usage-'));
  const ledger = join(dir, 'ledger');
  expect((await cli('2026-11-10T06:00:00Z', 'reconcile', '--snapshot', EXAMPLE, '--config', CONFIG, '--ledger', ledger, '--now', '2026-11-10T06:00:00Z')).code).toBe(0);
  const k = await cluster();
  clusters.push(k);
  return { dir, ledger, k, kubeconfig: await k.kubeconfig(dir) };
}

const planned = async (ledger: string, now = '2026-11-20T00:00:00Z') => {
  const plan = (await cli(now, 'plan', '--ledger', ledger, '--config', CONFIG, '--now', now, '--output', 'json')).json();
  return (repository: string, tag: string) => plan.images.find((i: { repositoryName: string; imageTags: string[] }) => i.repositoryName === repository && i.imageTags.includes(tag));
};

describe('usage reports (report-usage, sources)', () => {
  it('protects what a Kubernetes cluster runs or is set to run: a scaled-to-zero Deployment, an old ReplicaSet, a CronJob, an init container, and the digest a pod pulled before its tag moved', async () => {
    const w = await world();
    const before = await planned(w.ledger);
    for (const [repo, tag] of [['checkout', 'r6'], ['checkout', 'r5'], ['checkout', 'r4'], ['jobs/report', '2026.1'], ['preview/frontend', 'pr-1210']] as const) expect(before(repo, tag).action, `${repo}:${tag}`).toBe('delete');

    const reported = await cli('2026-11-19T00:00:00Z', 'report-usage', '--source', 'prod-eks', '--from-kubernetes', '--kubeconfig', w.kubeconfig, '--context', 'test', '--ledger', w.ledger, '--output', 'json');
    expect(reported.code).toBe(0);
    expect(reported.json()).toMatchObject({ source: 'prod-eks', images: 5, removed: 0, ignored: ['docker.io/library/nginx:1.27'] });
    expect(w.k.requests.filter((r) => r.startsWith('GET /api/v1/pods'))).toEqual(['GET /api/v1/pods?limit=500']);

    const after = await planned(w.ledger);
    for (const [repo, tag] of [['checkout', 'r6'], ['checkout', 'r5'], ['checkout', 'r4'], ['jobs/report', '2026.1'], ['preview/frontend', 'pr-1210']] as const) {
      expect(after(repo, tag).action, `${repo}:${tag}`).toBe('keep');
      expect(after(repo, tag).referrers.filter((r: { protecting: boolean }) => r.protecting)).toEqual([expect.objectContaining({ kind: 'usage-report', id: 'usage-report:prod-eks', account: '123456789012' })]);
    }
    expect(after('checkout', 'r3').action).toBe('delete');
    const reportOf = (image: { referrers: Array<{ kind: string; reason: string }> }) => image.referrers.find((r) => r.kind === 'usage-report')!.reason;
    expect(reportOf(after('checkout', 'r4'))).toMatch(/^source prod-eks reported it at 2026-11-19T00:00:00.000Z \(123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/checkout@sha256:[0-9a-f]{64}, by digest\): Pod web\/frontend-abc container app$/);
    expect(reportOf(after('checkout', 'r6'))).toContain('Deployment prod/checkout container app (scaled to zero)');

    const who = (await cli('2026-11-19T00:00:00Z', 'who-uses', 'checkout:r5', '--ledger', w.ledger, '--output', 'json')).json();
    expect(who.images[0].referrers.filter((r: { protecting: boolean }) => r.protecting)).toEqual([expect.objectContaining({ kind: 'usage-report', id: 'usage-report:prod-eks', reason: expect.stringContaining('ReplicaSet prod/checkout-5c8d9 container app (scaled to zero)') })]);
  });

  it('a report replaces the previous one: what it no longer sends is released at the report time; sources says when a source went stale', async () => {
    const w = await world();
    expect((await cli('2026-11-19T00:00:00Z', 'report-usage', '--source', 'prod-eks', '--from-kubernetes', '--kubeconfig', w.kubeconfig, '--ledger', w.ledger)).code).toBe(0);
    stdin = `# what runs now\n${HOST}/checkout:r6\n\n${HOST}/jobs/report:2026.1  # nightly\n`;
    const second = await cli('2026-11-19T12:00:00Z', 'report-usage', '--source', 'prod-eks', '-', '--ledger', w.ledger, '--output', 'json');
    expect(second.json()).toMatchObject({ images: 2, removed: 3, released: 3 });
    const plan = await planned(w.ledger);
    expect(plan('checkout', 'r5').referrers.filter((r: { kind: string }) => r.kind === 'usage-report')).toEqual([]);
    // Released at the report time: the grace period (graceDays 7) counts from then, so it is kept for now.
    expect(plan('checkout', 'r5').action).toBe('keep');
    expect(plan('checkout', 'r5').reasons.join()).toMatch(/unreferenced/);
    expect(plan('checkout', 'r6').action).toBe('keep');

    const fresh = await cli('2026-11-19T13:00:00Z', 'sources', '--ledger', w.ledger, '--output', 'json');
    expect(fresh.json().sources).toEqual([{ name: 'prod-eks', reportedAt: '2026-11-19T12:00:00.000Z', images: 2, staleAfterHours: 24, stale: false }]);
    const stale = await cli('2026-11-21T00:00:00Z', 'sources', '--ledger', w.ledger);
    expect(stale.out).toMatch(/prod-eks\s+2026-11-19T12:00:00.000Z\s+2\s+24\s+STALE/);
    expect(stale.err).toBe('warning: usage source prod-eks is stale: its last report was 2026-11-19T12:00:00.000Z (36.0 h ago, more than staleAfterHours 24); it keeps protecting the 2 image(s) it reported');
    const who = await cli('2026-11-21T00:00:00Z', 'who-uses', 'checkout:r6', '--ledger', w.ledger, '--output', 'json');
    expect(who.json().warnings).toEqual([expect.stringMatching(/^usage source prod-eks is stale/)]);
    expect(who.err).toMatch(/^warning: usage source prod-eks is stale/);
    // Stale or not, what it reported still protects.
    expect((await planned(w.ledger, '2026-12-30T00:00:00Z'))('checkout', 'r6').action).toBe('keep');
  });

  it('the sweep deletes nothing a usage report names, also after a reconcile (which keeps the reports)', async () => {
    const w = await world();
    const sweep = async (at: string) => {
      const account = FakeAccount.fromSnapshot(JSON.parse(await readFile(EXAMPLE, 'utf8')));
      const out: string[] = [];
      expect(await runCli(['sweep', '--ledger', w.ledger, '--config', CONFIG, '--force', '--output', 'json'], { out: (t) => out.push(t), err: () => undefined, clock: () => new Date(at), aws: () => account.clients() })).toBe(0);
      expect(account.ecr.deleted).not.toContain(`checkout@${await digestOf('checkout', 'r4')}`);
      return JSON.parse(out.join('\n')).images.map((i: { repositoryName: string; imageTags: string[] }) => `${i.repositoryName}:${i.imageTags.join(',')}`) as string[];
    };
    // A scope is as fresh as its picture: the example account, as captured at each reconcile.
    const pictureAt = async (at: string) => {
      const file = join(await mkdtemp(join(tmpdir(), 'ecr-ledger-picture-')), 'account.json');
      await writeFile(file, JSON.stringify({ ...JSON.parse(await readFile(EXAMPLE, 'utf8')), capturedAt: at }));
      return file;
    };
    // The images were unprotected (and sweep candidates) since the first reconcile; only the report protects them now.
    expect((await cli('2026-11-10T00:00:00Z', 'reconcile', '--snapshot', EXAMPLE, '--config', CONFIG, '--ledger', w.ledger, '--now', '2026-11-10T00:00:00Z')).code).toBe(0);
    expect((await cli('2026-11-19T12:00:00Z', 'reconcile', '--snapshot', await pictureAt('2026-11-19T12:00:00Z'), '--config', CONFIG, '--ledger', w.ledger, '--now', '2026-11-19T12:00:00Z')).code).toBe(0);
    expect((await cli('2026-11-19T13:00:00Z', 'report-usage', '--source', 'prod-eks', '--from-kubernetes', '--kubeconfig', w.kubeconfig, '--ledger', w.ledger)).code).toBe(0);
    const gone = await sweep('2026-11-20T00:00:00Z');
    expect(gone).toContain('checkout:r3');
    for (const kept of ['checkout:r4', 'checkout:r5', 'checkout:r6', 'jobs/report:2026.1', 'preview/frontend:pr-1210']) expect(gone).not.toContain(kept);
    // A reconcile keeps the reports; the next sweep still spares what they name.
    expect((await cli('2026-11-20T12:00:00Z', 'reconcile', '--snapshot', await pictureAt('2026-11-20T12:00:00Z'), '--config', CONFIG, '--ledger', w.ledger, '--now', '2026-11-20T12:00:00Z')).code).toBe(0);
    expect((await cli('2026-11-20T12:00:00Z', 'sources', '--ledger', w.ledger, '--output', 'json')).json().sources).toHaveLength(1);
    for (const kept of ['checkout:r4', 'checkout:r5', 'checkout:r6']) expect(await sweep('2026-11-21T00:00:00Z')).not.toContain(kept);
    // The sweep's report names the source gone stale (reported 35 h before, staleAfterHours 24).
    const dry = await cli('2026-11-21T00:00:00Z', 'sweep', '--ledger', w.ledger, '--config', CONFIG, '--snapshot', EXAMPLE, '--now', '2026-11-21T00:00:00Z', '--output', 'json');
    expect(dry.json().staleSources).toEqual([expect.objectContaining({ name: 'prod-eks', stale: true, images: 5 })]);
  });

  it('refuses bad input with where it is, and a cluster it cannot fully read, writing nothing', async () => {
    const w = await world();
    const file = join(w.dir, 'images.txt');
    await writeFile(file, `${HOST}/checkout:r6\n${HOST}/checkout:Bad Tag\n`);
    const bad = await cli('2026-11-19T00:00:00Z', 'report-usage', '--source', 'prod-eks', file, '--ledger', w.ledger);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(new RegExp(`^ecr-ledger: ${file} line 2: invalid image reference`));
    w.k.forbidden.add('/apis/batch/v1/cronjobs');
    const forbidden = await cli('2026-11-19T00:00:00Z', 'report-usage', '--source', 'prod-eks', '--from-kubernetes', '--kubeconfig', w.kubeconfig, '--ledger', w.ledger);
    expect(forbidden.code).toBe(1);
    expect(forbidden.err).toMatch(/listing cronjobs failed: HTTP 403/);
    expect((await cli('2026-11-19T00:00:00Z', 'sources', '--ledger', w.ledger, '--output', 'json')).json().sources).toEqual([]);
    expect((await cli('2026-11-19T00:00:00Z', 'report-usage', '--source', 'bad#name', file, '--ledger', w.ledger)).err).toMatch(/--source "bad#name": a source name is/);
  });

  it('takes every IMAGE spelling the other commands take: repo:tag and repo@digest name the ledger\'s registry (issue 22, point 3)', async () => {
    const w = await world();
    const digest = JSON.parse(await readFile(EXAMPLE, 'utf8')).ecr.repositories.find((r: { repositoryName: string }) => r.repositoryName === 'payments').images.find((i: { imageTags: string[] }) => i.imageTags.includes('2.1')).imageDigest;
    const file = join(w.dir, 'images.txt');
    await writeFile(file, `payments:2.2\npayments@${digest}\ndocker.io/library/nginx:1.25\n`);
    const sent = await cli('2026-11-19T00:00:00Z', 'report-usage', '--source', 'batch-vm', file, '--ledger', w.ledger, '--output', 'json');
    expect(sent.code, sent.err).toBe(0);
    expect(sent.json()).toMatchObject({ images: 2, ignored: ['docker.io/library/nginx:1.25'] });
    const who = (await cli('2026-11-19T00:00:00Z', 'who-uses', 'payments:2.2', '--ledger', w.ledger, '--output', 'json')).json();
    expect(who.images[0].referrers).toContainEqual(expect.objectContaining({ kind: 'usage-report', id: 'usage-report:batch-vm', protecting: true }));
    // A line that names nothing the ledger holds is an input error naming its line; nothing is written.
    await writeFile(file, 'payments:2.2\npaymants:2.2\n');
    const typo = await cli('2026-11-19T01:00:00Z', 'report-usage', '--source', 'other', file, '--ledger', w.ledger);
    expect(typo.code).toBe(2);
    expect(typo.err).toBe(`ecr-ledger: ${file} line 2: paymants:2.2 names no image the ledger holds in 123456789012/us-east-1 (no image of paymants has the tag 2.2): nothing was reported`);
    expect((await cli('2026-11-19T01:00:00Z', 'sources', '--ledger', w.ledger, '--output', 'json')).json().sources.map((s: { name: string }) => s.name)).toEqual(['batch-vm']);
  });

  it('--url POSTs the report to the deployment\'s function URL, signed with SigV4 from the standard credential chain', async () => {
    const requests: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
    const server = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      requests.push({ headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ source: 'prod-eks', images: 1 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    try {
      stdin = `${HOST}/checkout:r6\n`;
      const sent = await cli('2026-11-19T00:00:00Z', 'report-usage', '--source', 'prod-eks', '-', '--url', `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, '--region', 'eu-west-1', '--output', 'json');
      expect(sent.code).toBe(0);
      expect(requests[0]!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/lambda\/aws4_request, SignedHeaders=[^,]*host[^,]*x-amz-content-sha256[^,]*, Signature=[0-9a-f]{64}$/);
      expect(JSON.parse(requests[0]!.body)).toEqual({ source: 'prod-eks', reportedAt: '2026-11-19T00:00:00.000Z', images: [{ image: `${HOST}/checkout:r6`, workloads: [], at: 'stdin line 1', spelled: 'image' }] });
    } finally {
      process.env.AWS_ACCESS_KEY_ID = saved.id;
      process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
      server.close();
    }
  });
});
