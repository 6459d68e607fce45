import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { FakeAccount } from '../fakes/fake-account.js';
import { digest } from '../fixtures/account-builder.js';
import { day } from '../fixtures/sweep-world.js';

const HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';

function account(): FakeAccount {
  const a = new FakeAccount();
  a.ecr.addRepository('app');
  for (const [name, tags] of [['live', ['live']], ['old', ['old']]] as const) {
    a.ecr.addImage('app', { imageDigest: digest(name), imageTags: [...tags], imagePushedAt: new Date('2026-09-01T00:00:00Z'), imageSizeInBytes: 2 ** 30 });
  }
  const td = a.ecs.addTaskDefinition('app', 1, { app: `${HOST}/app:live` });
  a.ecs.addService('prod', { serviceName: 'web', deployments: [{ id: 'd1', status: 'PRIMARY', taskDefinition: td }] });
  return a;
}

async function cli(a: FakeAccount, at: Date, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), clock: () => at, aws: () => a.clients() });
  return { code, out: out.join('\n'), err: err.join('\n'), json: () => JSON.parse(out.join('\n')) };
}

describe('ecr-ledger sweep and history', () => {
  it('is a dry run unless --force; --force deletes; history shows what went and why', async () => {
    const a = account();
    const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-sweep-'));
    const ledger = join(dir, 'ledger');
    const config = join(dir, 'config.yaml');
    await writeFile(config, 'repositories:\n  - pattern: "*"\n    keepLatest: 0\n');
    expect((await cli(a, day(0), 'reconcile', '--ledger', ledger, '--quiet')).code).toBe(0);
    expect((await cli(a, day(8), 'reconcile', '--ledger', ledger, '--quiet')).code).toBe(0);
    const dry = await cli(a, day(8), 'sweep', '--ledger', ledger, '--config', config);
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/^DRY RUN \(nothing was changed\): the sweep would delete 1 image\(s\) in 123456789012\/us-east-1\. Run again with --force/);
    expect(dry.out).toMatch(/TOTAL\s+1\s+1\.0 GiB/);
    expect(a.ecr.hasImage('app', digest('old'))).toBe(true);
    const real = await cli(a, day(8), 'sweep', '--ledger', ledger, '--config', config, '--force', '--output', 'json');
    expect(real.code).toBe(0);
    expect(real.json()).toMatchObject({ dryRun: false, totals: { images: 1, bytes: 2 ** 30, usdPerMonthSaved: 0.1 } });
    expect(a.ecr.hasImage('app', digest('old'))).toBe(false);
    expect(a.ecr.hasImage('app', digest('live'))).toBe(true);
    const history = await cli(a, day(9), 'history', 'app:old', '--ledger', ledger);
    expect(history.out).toContain(`deleted  app@${digest('old').slice(0, 19)} [old]  1.0 GiB`);
    expect(history.out).toContain('nothing uses it');
    expect((await cli(a, day(9), 'history', '--ledger', ledger, '--since', day(8.5).toISOString())).out).toBe('No deletions recorded.');
    const json = await cli(a, day(9), 'history', '--ledger', ledger, '--output', 'json');
    expect(json.json().records).toEqual([expect.objectContaining({ imageDigest: digest('old'), status: 'deleted', action: 'delete' })]);
  });

  it('sweep --force and purge-repository --force refuse --now (exit 2): real deletions run on the real clock', async () => {
    const a = account();
    const ledger = join(await mkdtemp(join(tmpdir(), 'ecr-ledger-sweep-')), 'ledger');
    await cli(a, day(8), 'reconcile', '--ledger', ledger, '--quiet');
    const sweep = await cli(a, day(8), 'sweep', '--ledger', ledger, '--force', '--now', day(20).toISOString());
    expect(sweep.code).toBe(2);
    expect(sweep.err).toBe('ecr-ledger: sweep --force runs on the real clock: --now is only for dry runs and rehearsals');
    const purge = await cli(a, day(8), 'purge-repository', 'app', '--ledger', ledger, '--force', '--now', day(20).toISOString());
    expect(purge.code).toBe(2);
    expect(purge.err).toContain('purge-repository --force runs on the real clock');
    expect(a.ecr.hasImage('app', digest('old'))).toBe(true);
    expect((await cli(a, day(8), 'sweep', '--ledger', ledger, '--now', day(8.5).toISOString())).code).toBe(0); // a dry run may move the clock
  });

  it('sweep --force against a table without a config is refused (exit 2): no deleting run with defaults nobody chose (issue 34)', async () => {
    const a = account();
    const refused = await cli(a, day(8), 'sweep', '--table', 'ecr-ledger-prod', '--force');
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('sweep --force against a table needs the config the stack deploys: give --config FILE');
    expect(a.ecr.hasImage('app', digest('old'))).toBe(true);
  });

  it('one delete switch (issue 34, point 2): the config\'s sweep.dryRun refuses --force unless --override-dry-run; stack.managedRepositories limits the CLI too', async () => {
    const a = account();
    const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-switch-'));
    const ledger = join(dir, 'ledger');
    const dry = join(dir, 'dry.yaml');
    await writeFile(dry, 'repositories:\n  - pattern: "*"\n    keepLatest: 0\nsweep:\n  dryRun: true\n');
    expect((await cli(a, day(0), 'reconcile', '--ledger', ledger, '--quiet')).code).toBe(0);
    expect((await cli(a, day(8), 'reconcile', '--ledger', ledger, '--quiet')).code).toBe(0);
    const refused = await cli(a, day(8), 'sweep', '--ledger', ledger, '--config', dry, '--force');
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('the config says sweep.dryRun: true (the deployed sweep deletes nothing): this sweep deletes nothing either');
    expect(a.ecr.hasImage('app', digest('old'))).toBe(true);
    // Managed elsewhere: nothing here may go, though the rules select it.
    const elsewhere = join(dir, 'elsewhere.yaml');
    await writeFile(elsewhere, 'repositories:\n  - pattern: "*"\n    keepLatest: 0\nstack:\n  managedRepositories: ["arn:aws:ecr:us-east-1:123456789012:repository/team-b/*"]\n');
    const kept = await cli(a, day(8), 'sweep', '--ledger', ledger, '--config', elsewhere, '--force', '--output', 'json');
    expect(kept.code, kept.err).toBe(0);
    expect(kept.err).toContain('outside the stack\'s managedRepositories: nothing is deleted there');
    expect(kept.err).toContain(`judging with the config ${elsewhere}; deleting only in arn:aws:ecr:us-east-1:123456789012:repository/team-b/*`);
    expect(a.ecr.hasImage('app', digest('old'))).toBe(true);
    const overridden = await cli(a, day(8), 'sweep', '--ledger', ledger, '--config', dry, '--force', '--override-dry-run');
    expect(overridden.code, overridden.err).toBe(0);
    expect(a.ecr.hasImage('app', digest('old'))).toBe(false);
    expect(a.ecr.hasImage('app', digest('live'))).toBe(true);
  });

  it('rehearses against a snapshot (the example account): the same 40 images as plan, and never with --force', async () => {
    const ledger = join(await mkdtemp(join(tmpdir(), 'ecr-ledger-sweep-')), 'ledger');
    const a = new FakeAccount();
    const now = new Date('2026-11-20T00:00:00Z');
    await cli(a, now, 'reconcile', '--snapshot', 'examples/account.json', '--config', 'examples/config.yaml', '--ledger', ledger);
    const rehearsal = await cli(a, now, 'sweep', '--ledger', ledger, '--snapshot', 'examples/account.json', '--config', 'examples/config.yaml', '--now', now.toISOString(), '--output', 'json');
    expect(rehearsal.code).toBe(0);
    expect(rehearsal.json().totals).toMatchObject({ images: 40, usdPerMonthSaved: 1.23 });
    expect(rehearsal.err).toContain('this is a rehearsal');
    const forced = await cli(a, now, 'sweep', '--ledger', ledger, '--snapshot', 'examples/account.json', '--force');
    expect(forced.code).toBe(2);
  });

  it('a rehearsal judges at the snapshot\'s capture time by default, and does not suggest --force (issue 22, point 6)', async () => {
    const ledger = join(await mkdtemp(join(tmpdir(), 'ecr-ledger-sweep-')), 'ledger');
    const a = new FakeAccount();
    const now = new Date('2026-12-20T00:00:00Z'); // weeks after the capture: the same rehearsal, whatever day it runs
    await cli(a, now, 'reconcile', '--snapshot', 'examples/account.json', '--config', 'examples/config.yaml', '--ledger', ledger);
    const json = (await cli(a, now, 'sweep', '--ledger', ledger, '--snapshot', 'examples/account.json', '--config', 'examples/config.yaml', '--output', 'json')).json();
    expect(json.now).toBe('2026-11-10T06:00:00.000Z');
    const text = await cli(a, now, 'sweep', '--ledger', ledger, '--snapshot', 'examples/account.json', '--config', 'examples/config.yaml');
    expect(text.out).toContain('This rehearsal checked against examples/account.json at 2026-11-10T06:00:00.000Z; only a sweep against live AWS can delete');
    expect(text.out).not.toContain('Run again with --force');
  });

  it('refuses with exit 4 when the ledger is stale', async () => {
    const a = account();
    const ledger = join(await mkdtemp(join(tmpdir(), 'ecr-ledger-sweep-')), 'ledger');
    await cli(a, day(0), 'reconcile', '--ledger', ledger, '--quiet');
    const refused = await cli(a, day(8), 'sweep', '--ledger', ledger, '--force');
    expect(refused.code).toBe(4);
    expect(refused.err).toContain('the ledger is stale');
    expect(a.ecr.hasImage('app', digest('old'))).toBe(true);
  });
});
