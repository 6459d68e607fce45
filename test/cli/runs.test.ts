import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeAccount } from '../fakes/fake-account.js';
import { digest } from '../fixtures/account-builder.js';
import { day } from '../fixtures/sweep-world.js';
import { runAt } from '../support/cli.js';

const HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';

/** One repository: `live` runs in a service, `old` and `older` nothing uses. */
function account(): FakeAccount {
  const a = new FakeAccount();
  a.ecr.addRepository('app');
  for (const name of ['live', 'old', 'older']) a.ecr.addImage('app', { imageDigest: digest(name), imageTags: [name], imagePushedAt: new Date('2026-09-01T00:00:00Z'), imageSizeInBytes: 2 ** 20 });
  const td = a.ecs.addTaskDefinition('app', 1, { app: `${HOST}/app:live` });
  a.ecs.addService('prod', { serviceName: 'web', deployments: [{ id: 'd1', status: 'PRIMARY', taskDefinition: td }] });
  return a;
}

async function ledgerWithConfig() {
  const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-runs-'));
  const config = join(dir, 'config.yaml');
  await writeFile(config, 'repositories:\n  - pattern: "*"\n    keepLatest: 0\n');
  return { ledger: join(dir, 'ledger'), config };
}

describe('ecr-ledger runs', () => {
  it('lists every sweep run newest first — dry run, rehearsal, deleting — and shows one run\'s images and why', async () => {
    const a = account();
    const { ledger, config } = await ledgerWithConfig();
    const at = (d: number, ...argv: string[]) => runAt(day(d), argv, { account: a });
    expect((await at(0, 'reconcile', '--ledger', ledger, '--quiet')).code).toBe(0);
    expect((await at(8, 'reconcile', '--ledger', ledger, '--quiet')).code).toBe(0);
    await at(8, 'snapshot', '--out', join(ledger, '..', 'snap.json'), '--quiet');
    const minutes = (m: number) => new Date(day(8).getTime() + m * 60_000);
    const dry = (await runAt(minutes(10), ['sweep', '--ledger', ledger, '--config', config, '-o', 'json'], { account: a })).json();
    const rehearsal = (await runAt(minutes(20), ['sweep', '--ledger', ledger, '--config', config, '--snapshot', join(ledger, '..', 'snap.json'), '--now', minutes(20).toISOString(), '-o', 'json'], { account: a })).json();
    const real = (await runAt(minutes(30), ['sweep', '--ledger', ledger, '--config', config, '--force', '-o', 'json'], { account: a })).json();

    const listed = await at(9, 'runs', '--ledger', ledger, '-o', 'json');
    expect(listed.code).toBe(0);
    const runs = listed.json().runs as Array<Record<string, any>>;
    expect(runs.map((r) => [r.runId, r.mode, r.images])).toEqual([[real.runId, 'deleting', 2], [rehearsal.runId, 'rehearsal', 2], [dry.runId, 'dry-run', 2]]);
    expect(runs[0]).toMatchObject({ scope: { accountId: '123456789012', region: 'us-east-1' }, action: 'delete', bytes: 2 * 2 ** 20, failures: 0, startedAt: expect.any(String), finishedAt: expect.any(String) });

    const one = (await at(9, 'runs', real.runId, '--ledger', ledger, '-o', 'json')).json();
    expect(one).toMatchObject({ schemaVersion: 1, runId: real.runId, mode: 'deleting' });
    expect(one.images.map((i: { imageTags: string[] }) => i.imageTags[0]).sort()).toEqual(['old', 'older']);
    expect(one.images[0]).toEqual({ repositoryName: 'app', imageDigest: expect.stringMatching(/^sha256:/), imageTags: expect.any(Array), action: 'delete', outcome: 'deleted', reasons: expect.arrayContaining([expect.any(String)]) });
    // The dry run is kept with its images too; the image in use is in no run.
    const dryRun = (await at(9, 'runs', dry.runId, '--ledger', ledger, '-o', 'json')).json();
    expect(dryRun.images).toHaveLength(2);
    expect(a.ecr.hasImage('app', digest('live'))).toBe(true);

    const text = await at(9, 'runs', '--ledger', ledger);
    expect(text.out.split('\n')[0]).toMatch(/^STARTED\s+MODE\s+SCOPE\s+IMAGES\s+BYTES\s+NOTES\s+RUN$/);
    expect(text.out).toContain(`deleting   123456789012/us-east-1  2 deleted`);
    expect((await at(9, 'runs', real.runId, '--ledger', ledger)).out).toContain(`app@${digest('old').slice(0, 19)} [old]  1.0 MiB`);
  });

  it('takes --since and --limit; an unknown run is exit 3, a bad limit exit 2', async () => {
    const a = account();
    const { ledger, config } = await ledgerWithConfig();
    await runAt(day(0), ['reconcile', '--ledger', ledger, '--quiet'], { account: a });
    await runAt(day(8), ['reconcile', '--ledger', ledger, '--quiet'], { account: a });
    for (const hour of [1, 2, 3]) await runAt(new Date(day(8).getTime() + hour * 3_600_000), ['sweep', '--ledger', ledger, '--config', config], { account: a });
    const at = (...argv: string[]) => runAt(day(9), argv, { account: a });
    expect((await at('runs', '--ledger', ledger, '--limit', '2', '-o', 'json')).json().runs).toHaveLength(2);
    expect((await at('runs', '--ledger', ledger, '--since', new Date(day(8).getTime() + 2 * 3_600_000).toISOString(), '-o', 'json')).json().runs).toHaveLength(2);
    expect((await at('runs', 'no-such-run', '--ledger', ledger)).code).toBe(3);
    const bad = await at('runs', '--ledger', ledger, '--limit', '0');
    expect([bad.code, bad.err]).toEqual([2, expect.stringContaining('--limit 0: expected a whole number of runs, at least 1')]);
  });

  it('reads "last night": --since takes durations, days and yesterday; runs latest; runs diff (issue 34, point 6)', async () => {
    const a = account();
    const { ledger, config } = await ledgerWithConfig();
    await writeFile(config, 'repositories:\n  - pattern: "*"\n    keepLatest: 0\n    graceDays: 0\n');
    await runAt(day(0), ['reconcile', '--ledger', ledger, '--quiet'], { account: a });
    await runAt(day(8), ['reconcile', '--ledger', ledger, '--quiet'], { account: a });
    const hours = (h: number) => new Date(day(8).getTime() + h * 3_600_000);
    const first = (await runAt(hours(1), ['sweep', '--ledger', ledger, '--config', config, '-o', 'json'], { account: a })).json();
    // Between the two nights a new image nobody uses, and `old` goes to work: the second run differs both ways.
    a.ecr.addImage('app', { imageDigest: digest('newer'), imageTags: ['newer'], imagePushedAt: new Date('2026-09-02T00:00:00Z'), imageSizeInBytes: 2 ** 20 });
    a.ecs.addService('prod', { serviceName: 'batch', deployments: [{ id: 'd2', status: 'PRIMARY', taskDefinition: a.ecs.addTaskDefinition('batch', 1, { batch: `${HOST}/app:old` }) }] });
    await runAt(hours(26), ['reconcile', '--ledger', ledger, '--quiet'], { account: a });
    const second = (await runAt(hours(27), ['sweep', '--ledger', ledger, '--config', config, '-o', 'json'], { account: a })).json();
    const at = (...argv: string[]) => runAt(hours(30), argv, { account: a });
    const ids = async (...since: string[]) => (await at('runs', '--ledger', ledger, ...since, '-o', 'json')).json().runs.map((r: { runId: string }) => r.runId);
    expect(await ids('--since', '24h')).toEqual([second.runId]);
    expect(await ids('--since', '2d')).toEqual([second.runId, first.runId]);
    expect(await ids('--since', new Date(day(9)).toISOString().slice(0, 10))).toEqual([second.runId]); // a day: from its start, UTC
    expect(await ids('--since', 'yesterday')).toEqual([second.runId, first.runId]);
    const bad = await at('runs', '--ledger', ledger, '--since', 'last week');
    expect([bad.code, bad.err]).toEqual([2, expect.stringContaining('--since last week: expected a duration (24h, 7d, P1W), a day')]);
    expect((await at('runs', 'latest', '--ledger', ledger, '-o', 'json')).json().runId).toBe(second.runId);
    expect((await at('runs', '--ledger', ledger)).out).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);

    const diff = await at('runs', 'diff', first.runId, second.runId, '--ledger', ledger, '-o', 'json');
    expect(diff.code).toBe(0);
    const d = diff.json();
    expect(d.from.runId).toBe(first.runId);
    expect(d.added.map((i: { imageTags: string[] }) => i.imageTags[0])).toEqual(['newer']);
    expect(d.removed.map((i: { imageTags: string[] }) => i.imageTags[0])).toEqual(['old']);
    expect(d.changed).toEqual([]);
    const text = (await at('runs', 'diff', first.runId, second.runId, '--ledger', ledger)).out;
    expect(text).toContain('1 added, 1 removed, 0 changed action');
    expect(text).toContain(`+ delete  app@${digest('newer').slice(0, 19)} [newer]`);
    expect((await at('runs', 'diff', first.runId, '--ledger', ledger)).code).toBe(2);
  });

  it('keeps a run as long as the audit trail (sweep.auditRetentionDays)', async () => {
    const a = account();
    const { ledger, config } = await ledgerWithConfig();
    await runAt(day(0), ['reconcile', '--ledger', ledger, '--quiet'], { account: a });
    await runAt(day(8), ['reconcile', '--ledger', ledger, '--quiet'], { account: a });
    await runAt(day(8), ['sweep', '--ledger', ledger, '--config', config], { account: a });
    expect((await runAt(day(400), ['runs', '--ledger', ledger, '-o', 'json'], { account: a })).json().runs).toHaveLength(1);
    expect((await runAt(day(409), ['runs', '--ledger', ledger, '-o', 'json'], { account: a })).json().runs).toEqual([]);
  });
});
