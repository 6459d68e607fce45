import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAt } from '../support/cli.js';
import { FakeAccount } from '../fakes/fake-account.js';

/** The reach of a deletion counts the account's other regions where workloads run (issue 20, point 7). */
const EXAMPLE = 'examples/account.json';
const HOME = 'us-east-1';
const OTHER = 'eu-west-1';
const ACCOUNT = '123456789012';
const cli = (account: FakeAccount, at: string, ...argv: string[]) => runAt(at, argv, { account });

async function setUp(extraConfig = '') {
  const snapshot = JSON.parse(await readFile(EXAMPLE, 'utf8'));
  const a = FakeAccount.fromSnapshot(snapshot);
  a.enabledRegions = [HOME, OTHER];
  const digestOf = (tag: string) => snapshot.ecr.repositories.find((r: { repositoryName: string }) => r.repositoryName === 'checkout').images.find((i: { imageTags: string[] }) => i.imageTags.includes(tag)).imageDigest as string;
  const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-regions-'));
  const config = join(dir, 'config.yaml');
  await writeFile(config, `${await readFile('examples/config.yaml', 'utf8')}${extraConfig}`);
  const ledger = join(dir, 'ledger');
  const reconcile = async () => {
    expect((await cli(a, '2026-11-10T06:00:00Z', 'reconcile', '--ledger', ledger, '--config', config, '--quiet')).code).toBe(0);
    return cli(a, '2026-11-19T12:00:00Z', 'reconcile', '--ledger', ledger, '--config', config, '--quiet', '--output', 'json');
  };
  const sweep = async () => (await cli(a, '2026-11-20T00:00:00Z', 'sweep', '--ledger', ledger, '--config', config, '--force', '--output', 'json')).json();
  return { a, digestOf, config, ledger, reconcile, sweep };
}

/** A task in eu-west-1 of the same account runs checkout:r3, pulled across regions from us-east-1. */
function crossRegionTask(w: Awaited<ReturnType<typeof setUp>>) {
  const other = w.a.in(OTHER);
  const image = `${ACCOUNT}.dkr.ecr.${HOME}.amazonaws.com/checkout:r3`;
  const td = other.ecs.addTaskDefinition('eu-checkout', 1, { app: image });
  other.ecs.addCluster('eu');
  other.ecs.addTask('eu', { taskArn: `arn:aws:ecs:${OTHER}:${ACCOUNT}:task/eu/1`, taskDefinitionArn: td, lastStatus: 'RUNNING', desiredStatus: 'RUNNING', containers: [{ name: 'app', image, imageDigest: w.digestOf('r3') }] } as never);
}

const gone = (report: { images: Array<{ repositoryName: string; imageTags: string[] }> }) => report.images.map((i) => `${i.repositoryName}:${i.imageTags[0]}`);

describe('regions with workloads (the daily region probe)', () => {
  it('a region running workloads that the ledger does not hold keeps every repository whole, named in reconcile, plan, explain and the sweep', async () => {
    const w = await setUp();
    crossRegionTask(w);
    const reconciled = await w.reconcile();
    expect(reconciled.code).toBe(0);
    expect(reconciled.err).toContain(`warning: ${ACCOUNT}/${OTHER} runs workloads (1 ECS cluster) that the ledger does not hold: nothing in a repository they can pull from is deleted`);
    expect(reconciled.json().calls).toMatchObject({ 'account:ListRegions': 1, 'ecs:ListClusters': 2, 'lambda:ListFunctions': 2, 'eks:ListClusters': 1 });

    const plan = (await cli(w.a, '2026-11-20T00:00:00Z', 'plan', '--ledger', w.ledger, '--config', w.config, '--now', '2026-11-20T00:00:00Z', '--output', 'json')).json();
    expect(plan.images.filter((i: { action: string }) => i.action === 'delete')).toEqual([]);
    const explained = await cli(w.a, '2026-11-20T00:00:00Z', 'explain', `checkout:r3`, '--ledger', w.ledger, '--config', w.config, '--now', '2026-11-20T00:00:00Z');
    expect(explained.out).toContain(`${ACCOUNT}/${OTHER}: workloads in ${OTHER} of ${ACCOUNT} can pull from it; region probe of 2026-11-19T12:00:00.000Z: 1 ECS cluster; cannot be judged: the ledger does not hold it`);

    const init = await cli(w.a, '2026-11-20T00:00:00Z', 'init', '--ledger', w.ledger);
    expect(init.out).toContain(`# other regions with workloads (region probe of 2026-11-19T12:00:00.000Z): ${OTHER} (1 ECS cluster)`);
    expect(init.out).toContain('  ignoreRegions: []');

    const report = await w.sweep();
    expect(gone(report)).toEqual([]);
    expect(report.unreadableScopes).toContainEqual({ account: ACCOUNT, region: OTHER, why: 'the ledger does not hold it' });
    expect(w.a.ecr.deleted).toEqual([]);
  });

  it('without the probe finding it, the cross-region task\'s image would go (the probe is what protects it)', async () => {
    const w = await setUp();
    crossRegionTask(w);
    w.a.enabledRegions = [HOME]; // e.g. an account where the region is not enabled: nothing probed there
    expect((await w.reconcile()).code).toBe(0);
    expect(gone(await w.sweep())).toContain('checkout:r3');
  });

  it('a region that runs only zip Lambda functions does not count; one whose probe fails does', async () => {
    const w = await setUp();
    w.a.in(OTHER).lambda.addVersion('zipped', '$LATEST', {}, 'Zip');
    const quiet = await w.reconcile();
    expect(quiet.err).not.toContain(OTHER);
    expect(gone(await w.sweep())).toContain('checkout:r3');

    const failing = await setUp();
    failing.a.in(OTHER).faults.deny('ecs:ListClusters');
    const reconciled = await failing.reconcile();
    expect(reconciled.err).toMatch(new RegExp(`${ACCOUNT}/${OTHER} runs workloads \\(it cannot be probed: ecs:ListClusters failed: AccessDenied`));
    expect(gone(await failing.sweep())).toEqual([]);
  });

  it('when the account\'s regions cannot be listed, every region could run workloads: nothing is deleted', async () => {
    const w = await setUp();
    w.a.faults.deny('account:ListRegions');
    const reconciled = await w.reconcile();
    expect(reconciled.err).toContain(`the regions of ${ACCOUNT} cannot be listed (account:ListRegions failed: AccessDenied`);
    const report = await w.sweep();
    expect(gone(report)).toEqual([]);
    expect(report.unreadableScopes).toContainEqual(expect.objectContaining({ account: ACCOUNT, region: '*', why: expect.stringContaining('cannot be listed') }));
  });

  it('scope.ignoreRegions: the operator says workloads there do not pull from this registry, and the sweep goes on', async () => {
    const w = await setUp('scope:\n  ignoreRegions: [eu-west-1]\n');
    w.a.in(OTHER).ecs.addCluster('unrelated');
    const reconciled = await w.reconcile();
    expect(reconciled.err).not.toContain(OTHER);
    expect(gone(await w.sweep())).toContain('checkout:r3');
  });

  it('a region name that is not one is a config error naming the key', async () => {
    const w = await setUp('scope:\n  ignoreRegions: [Europe]\n');
    const result = await cli(w.a, '2026-11-10T06:00:00Z', 'plan', '--ledger', w.ledger, '--config', w.config);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/scope\.ignoreRegions\[0\] \(line \d+\): expected a region such as us-east-1/);
  });
});
