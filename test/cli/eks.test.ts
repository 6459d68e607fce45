import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runAt } from '../support/cli.js';
import { FakeAccount } from '../fakes/fake-account.js';
import { FakeKubernetes, k8s } from '../fakes/fake-kubernetes.js';

const EXAMPLE = 'examples/account.json';
const HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';

const cli = (account: FakeAccount, at: string, ...argv: string[]) => runAt(at, argv, { account });

const servers: FakeKubernetes[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

/** The example account with an EKS cluster (a local API server) that runs checkout:r3 and accepts EKS IAM tokens for "prod". */
async function world() {
  const account = FakeAccount.fromSnapshot(JSON.parse(await readFile(EXAMPLE, 'utf8')));
  const cluster = await new FakeKubernetes().add('/apis/apps/v1/deployments', { metadata: k8s.meta('shop', 'checkout-legacy'), spec: { replicas: 1, selector: {}, template: { spec: k8s.podSpec([['app', `${HOST}/checkout:r3`]]) } } }).start();
  servers.push(cluster);
  cluster.accepts = (token) => token.startsWith('k8s-aws-v1.') && Buffer.from(token.slice(11), 'base64url').toString().includes('X-Amz-SignedHeaders=host%3Bx-k8s-aws-id');
  account.eks.clusters.set('prod', { endpoint: cluster.url });
  const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-eks-'));
  const config = join(dir, 'config.yaml');
  await writeFile(config, `${await readFile('examples/config.yaml', 'utf8')}eks:\n  clusters: ["*"]\n`);
  return { account, cluster, config, ledger: join(dir, 'ledger') };
}

describe('EKS, agentless (eks.clusters)', () => {
  it('reconcile reads the cluster with an IAM token; what it runs is kept, under the source eks:prod', async () => {
    const w = await world();
    expect((await cli(w.account, '2026-11-10T06:00:00Z', 'reconcile', '--ledger', w.ledger, '--config', w.config, '--quiet')).code).toBe(0);
    const second = await cli(w.account, '2026-11-19T12:00:00Z', 'reconcile', '--ledger', w.ledger, '--config', w.config, '--quiet', '--output', 'json');
    expect(second.json()).toMatchObject({ clusters: ['prod'] });
    expect(w.cluster.requests.some((r) => r.startsWith('GET /apis/apps/v1/deployments'))).toBe(true);
    expect((await cli(w.account, '2026-11-19T13:00:00Z', 'sources', '--ledger', w.ledger, '--output', 'json')).json().sources).toEqual([expect.objectContaining({ name: 'eks:prod', images: 1, stale: false })]);
    const who = (await cli(w.account, '2026-11-19T13:00:00Z', 'who-uses', 'checkout:r3', '--ledger', w.ledger, '--output', 'json')).json();
    expect(who.images[0].referrers.filter((r: { protecting: boolean }) => r.protecting)).toEqual([expect.objectContaining({ kind: 'usage-report', id: 'usage-report:eks:prod', reason: expect.stringContaining('Deployment shop/checkout-legacy container app') })]);
    const swept = (await cli(w.account, '2026-11-20T00:00:00Z', 'sweep', '--ledger', w.ledger, '--config', w.config, '--force', '--output', 'json')).json();
    expect(swept.images.map((i: { imageTags: string[] }) => i.imageTags[0])).not.toContain('r3');
    expect(swept.images.length).toBeGreaterThan(0);
  });

  it('a cluster whose API refuses the token is a warning in reconcile and blocks the sweep\'s deletions in the account', async () => {
    const w = await world();
    expect((await cli(w.account, '2026-11-10T06:00:00Z', 'reconcile', '--ledger', w.ledger, '--config', w.config, '--quiet')).code).toBe(0);
    w.cluster.accepts = () => false;
    const reconciled = await cli(w.account, '2026-11-19T12:00:00Z', 'reconcile', '--ledger', w.ledger, '--config', w.config, '--quiet');
    expect(reconciled.code).toBe(0);
    expect(reconciled.err).toMatch(/^warning: EKS cluster prod cannot be read now \(listing .* failed: HTTP 401/m);
    const swept = await cli(w.account, '2026-11-20T00:00:00Z', 'sweep', '--ledger', w.ledger, '--config', w.config, '--force', '--output', 'json');
    expect(swept.json().images).toEqual([]);
    expect(swept.json().unreadableClusters).toEqual([{ cluster: 'prod', reason: expect.stringMatching(/HTTP 401/) }]);
    expect(w.account.ecr.deleted).toEqual([]);
  });
});
