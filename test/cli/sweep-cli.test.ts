import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { DynamoDbLedger } from '../../src/adapters/dynamodb-ledger.js';
import { startEmbeddedDynamoDb } from '../../src/adapters/embedded-dynamodb.js';
import { ensureLedgerTable } from '../../src/adapters/ledger-table.js';
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

  it('one delete switch against a stack\'s table (issue 34, point 2): judged with what the stack\'s sweep recorded it runs with, never with defaults nobody chose', async () => {
    const a = account();
    const engine = await startEmbeddedDynamoDb();
    const saved = { ...process.env };
    try {
      const table = 'ecr-ledger-prod';
      await ensureLedgerTable(engine.client, table);
      await new DynamoDbLedger(engine.client, table).layout.version();
      const endpoint = await engine.client.config.endpoint!();
      Object.assign(process.env, { AWS_ENDPOINT_URL_DYNAMODB: `http://${endpoint.hostname}:${endpoint.port}`, AWS_ACCESS_KEY_ID: 'AKIAOPERATOR', AWS_SECRET_ACCESS_KEY: 'secret' });
      const onTable = (...argv: string[]) => cli(a, day(8), ...argv, '--table', table, '--region', 'us-east-1');
      expect((await cli(a, day(0), 'reconcile', '--table', table, '--region', 'us-east-1', '--quiet')).code).toBe(0);
      expect((await onTable('reconcile', '--quiet')).code).toBe(0);
      // No record yet (the stack's sweep has not run since this version): only with --config.
      const unrecorded = await onTable('sweep', '--force');
      expect(unrecorded.code).toBe(2);
      expect(unrecorded.err).toContain('sweep --force against a table needs the config the stack deploys: the DynamoDB table ecr-ledger-prod holds no record of it');
      const deployed = { repositories: [{ pattern: '*', keepLatest: 0 }], sweep: { dryRun: true } };
      const record = (settings: object) => new DynamoDbLedger(engine.client, table).deployed.record({ config: deployed, dryRun: true, recordedAt: day(7).toISOString(), by: 'ecr-ledger-prod-sweep', ...settings });
      await record({});
      // The stack runs as a dry run: so does this, unless overridden.
      const dry = await onTable('sweep', '--force');
      expect(dry.code).toBe(2);
      expect(dry.err).toContain('the stack\'s sweep runs as a dry run (its config says sweep.dryRun: true): this sweep deletes nothing either');
      // A --config that is not the deployed one is refused, naming each difference.
      const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-switch-'));
      const other = join(dir, 'other.yaml');
      await writeFile(other, 'repositories:\n  - pattern: "*"\n    keepLatest: 5\nsweep:\n  dryRun: true\n');
      const differs = await onTable('sweep', '--force', '--config', other);
      expect(differs.code).toBe(2);
      expect(differs.err).toContain(`--config ${other} is not the config the stack's sweep runs with`);
      expect(differs.err).toMatch(/: repositories: \[\{"pattern":"\*","keepLatest":0,.* deployed, \[\{"pattern":"\*","keepLatest":5,.* in the file\. Deploy the file first/);
      // Deleting, but managed elsewhere: nothing here may go, though the deployed rules select it.
      await record({ dryRun: false, config: { ...deployed, sweep: { dryRun: false } }, managedRepositories: ['arn:aws:ecr:us-east-1:123456789012:repository/team-b/*'] });
      const kept = await onTable('sweep', '--force', '--output', 'json');
      expect(kept.code, kept.err).toBe(0);
      expect(kept.err).toContain(`judging with the config the stack's sweep runs with (recorded by ecr-ledger-prod-sweep at ${day(7).toISOString()}); deleting only in arn:aws:ecr:us-east-1:123456789012:repository/team-b/*`);
      expect(a.ecr.hasImage('app', digest('old'))).toBe(true);
      // Managed here: the deployed rules delete what nothing uses, and only that.
      await record({ dryRun: false, config: { ...deployed, sweep: { dryRun: false } }, managedRepositories: ['arn:aws:ecr:us-east-1:123456789012:repository/*'] });
      const deleting = await onTable('sweep', '--force');
      expect(deleting.code, deleting.err).toBe(0);
      expect(a.ecr.hasImage('app', digest('old'))).toBe(false);
      expect(a.ecr.hasImage('app', digest('live'))).toBe(true);
    } finally {
      for (const key of ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) if (saved[key] === undefined) delete process.env[key]; else process.env[key] = saved[key];
      await engine.close();
    }
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
