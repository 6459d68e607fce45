import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { awsError } from '../fakes/faults.js';
import { FakeAccount } from '../fakes/fake-account.js';

const CONFIG = 'examples/config.yaml';
const LATER = '2026-11-20T00:00:00Z';

async function exampleAccount(): Promise<FakeAccount> {
  return FakeAccount.fromSnapshot(JSON.parse(await readFile('examples/account.json', 'utf8')));
}

/** Runs the CLI against a fake AWS account: no command here can reach real AWS. */
async function cli(account: FakeAccount, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), clock: () => new Date('2026-11-10T06:00:00Z'), aws: () => account.clients() });
  return { code, out: out.join('\n'), err: err.join('\n'), json: () => JSON.parse(out.join('\n')) };
}

const tempDir = () => mkdtemp(join(tmpdir(), 'ecr-ledger-live-'));

describe('ecr-ledger against live AWS (a fake account)', () => {
  it('snapshot then plan --snapshot gives the same plan, who-uses and explain as reading live', async () => {
    const account = await exampleAccount();
    const file = join(await tempDir(), 'account.json');
    const written = await cli(account, 'snapshot', '--out', file, '--quiet');
    expect(written.code).toBe(0);
    expect(written.out).toMatch(/^Wrote the snapshot of 123456789012\/us-east-1 to .*: 9 repositories, 79 images, 27 task definitions, 5 services, 1 tasks, 2 Lambda versions \(\d+ API calls\)\.$/);
    for (const command of [['plan'], ['who-uses', 'fluentd:bbbb'], ['explain', 'checkout:r7']]) {
      const live = await cli(account, ...command, '--config', CONFIG, '--now', LATER, '--output', 'json', '--quiet');
      const fromFile = await cli(account, ...command, '--snapshot', file, '--config', CONFIG, '--now', LATER, '--output', 'json');
      expect(live.code).toBe(0);
      expect(live.json()).toEqual(fromFile.json());
    }
    const plan = (await cli(account, 'plan', '--config', CONFIG, '--now', LATER, '--output', 'json', '--quiet')).json();
    expect(plan.totals.toDelete).toBeGreaterThan(0);
  });

  it('reconciles live AWS into the ledger; the second run reuses task definitions and writes nothing', async () => {
    const account = await exampleAccount();
    const dir = await tempDir();
    const first = await cli(account, 'reconcile', '--ledger', dir, '--output', 'json', '--quiet');
    expect(first.code).toBe(0);
    expect(first.json().calls['ecs:DescribeTaskDefinition']).toBeGreaterThan(0);
    const second = (await cli(account, 'reconcile', '--ledger', dir, '--output', 'json', '--quiet')).json();
    expect(second.calls['ecs:DescribeTaskDefinition']).toBeUndefined();
    expect(second.written).toBe(0);
    expect(second.removed).toBe(0);
    const who = await cli(account, 'who-uses', 'fluentd:bbbb', '--ledger', dir, '--output', 'json');
    expect(who.json().images[0].referrers).toContainEqual(expect.objectContaining({ kind: 'ecs-service', protecting: true }));
  });

  it('writes nothing when the read fails mid-scan, and names the API', async () => {
    const account = await exampleAccount();
    const dir = await tempDir();
    expect((await cli(account, 'reconcile', '--ledger', dir, '--quiet')).code).toBe(0);
    const before = (await cli(account, 'plan', '--ledger', dir, '--now', LATER, '--output', 'json')).json();
    account.ecr.removeImage('checkout', before.images.find((i: { repositoryName: string }) => i.repositoryName === 'checkout').imageDigest);
    account.faults.failAt('lambda:ListAliases', 1, () => awsError('ServiceException', 'injected: Lambda is having a bad day', 400));
    const failed = await cli(account, 'reconcile', '--ledger', dir, '--quiet');
    expect(failed.code).toBe(1);
    expect(failed.err).toContain('lambda:ListAliases failed: ServiceException: injected: Lambda is having a bad day');
    const after = (await cli(account, 'plan', '--ledger', dir, '--now', LATER, '--output', 'json')).json();
    expect(after).toEqual(before);

    const fresh = await tempDir();
    account.faults.failAt('ecs:DescribeTaskDefinition', 2, () => awsError('ClientException', 'injected', 400));
    expect((await cli(account, 'reconcile', '--ledger', fresh, '--quiet')).code).toBe(1);
    expect((await cli(account, 'plan', '--ledger', fresh)).err).toContain('the ledger is empty');
  });

  it('warns on stderr when an optional API is denied, and still reconciles', async () => {
    const account = await exampleAccount();
    account.faults.deny('ecs:ListServiceDeployments');
    const result = await cli(account, 'reconcile', '--ledger', await tempDir(), '--quiet');
    expect(result.code).toBe(0);
    expect(result.err).toContain('warning: ecs:ListServiceDeployments is not allowed or not supported (AccessDeniedException)');
    expect(result.out).toContain('DEGRADED, 1 warning(s) above');
  });

  it('shows progress on stderr unless --quiet', async () => {
    const account = await exampleAccount();
    expect((await cli(account, 'snapshot', '--out', join(await tempDir(), 'a.json'))).err).toMatch(/^… (ECR|ECS|Lambda|Batch|App Runner): /m);
    expect((await cli(account, 'snapshot', '--out', join(await tempDir(), 'b.json'), '--quiet')).err).toBe('');
  });

  it('snapshot needs --out (exit 2)', async () => {
    const result = await cli(new FakeAccount(), 'snapshot');
    expect(result.code).toBe(2);
    expect(result.err).toContain('snapshot needs --out FILE');
  });
});

describe('reading live AWS because no source was named', () => {
  it('says so before it starts, naming the account and region', async () => {
    const result = await cli(await exampleAccount(), 'plan', '--config', CONFIG, '--now', LATER, '--quiet');
    expect(result.code).toBe(0);
    expect(result.err.split('\n')[0]).toBe('reading live AWS (account 123456789012, region us-east-1); give --ledger or --snapshot to read a ledger or a file');
  });

  it('without a region is a usage error (exit 2) with the hint', async () => {
    const { createAwsClients } = await import('../../src/adapters/aws/clients.js');
    const saved = { region: process.env.AWS_REGION, defaultRegion: process.env.AWS_DEFAULT_REGION, config: process.env.AWS_CONFIG_FILE };
    process.env.AWS_CONFIG_FILE = '/nonexistent/aws-config';
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    try {
      const err: string[] = [];
      const code = await runCli(['plan'], { out: () => undefined, err: (t) => err.push(t), clock: () => new Date(LATER), aws: () => createAwsClients({}) });
      expect(code).toBe(2);
      expect(err.join('\n')).toContain('no AWS region: give --region NAME, set AWS_REGION, or name a profile with a region to read live AWS; or give --ledger DIR, --table NAME or --snapshot FILE');
    } finally {
      for (const [key, value] of [['AWS_REGION', saved.region], ['AWS_DEFAULT_REGION', saved.defaultRegion], ['AWS_CONFIG_FILE', saved.config]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it('a profile that does not exist says so, not "no AWS region"', async () => {
    const dir = await tempDir();
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'config'), '[profile prod]\nregion = eu-west-1\n');
    const saved = process.env.AWS_CONFIG_FILE;
    process.env.AWS_CONFIG_FILE = join(dir, 'config');
    try {
      const err: string[] = [];
      const code = await runCli(['plan', '--profile', 'staging'], { out: () => undefined, err: (t) => err.push(t), clock: () => new Date(LATER) });
      expect(code).toBe(2);
      expect(err.join('\n')).toContain('ecr-ledger: profile staging not found');
    } finally {
      if (saved === undefined) delete process.env.AWS_CONFIG_FILE;
      else process.env.AWS_CONFIG_FILE = saved;
    }
  });
});
