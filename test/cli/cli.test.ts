import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';

const EXAMPLE = 'examples/account.json';
const CONFIG = 'examples/config.yaml';
const LATER = '2026-11-20T00:00:00Z';

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), clock: () => new Date('2026-11-21T00:00:00Z') });
  return { code, out: out.join('\n'), err: err.join('\n'), json: () => JSON.parse(out.join('\n')) };
}

const tempDir = () => mkdtemp(join(tmpdir(), 'ecr-ledger-cli-'));

describe('ecr-ledger CLI', () => {
  it('plans over a snapshot with the JSON contract', async () => {
    const result = await cli('plan', '--snapshot', EXAMPLE, '--config', CONFIG, '--now', LATER, '--output', 'json');
    expect(result.code).toBe(0);
    const plan = result.json();
    expect(Object.keys(plan)).toEqual(['schemaVersion', 'now', 'images', 'repositories', 'totals', 'waiting', 'warnings', 'keptWhole']);
    expect(Object.keys(plan.images[0])).toEqual(['repositoryName', 'imageDigest', 'imageTags', 'imagePushedAt', 'imageSizeInBytes', 'action', 'reasons', 'referrers']);
    expect(plan.totals.toDelete).toBeGreaterThan(0);
    expect(plan.totals.images).toBe(plan.images.length);
  });

  it('defaults --now to the snapshot capture time', async () => {
    expect((await cli('plan', '--snapshot', EXAMPLE, '--output', 'json')).json().now).toBe('2026-11-10T06:00:00.000Z');
  });

  it('gives the same plan over the embedded ledger as over the snapshot it was loaded from', async () => {
    const dir = await tempDir();
    const loaded = await cli('reconcile', '--snapshot', EXAMPLE, '--config', CONFIG, '--ledger', dir);
    expect(loaded.code).toBe(0);
    expect(loaded.out).toContain('79 images');
    const fromLedger = (await cli('plan', '--ledger', dir, '--config', CONFIG, '--now', LATER, '--output', 'json')).json();
    const fromSnapshot = (await cli('plan', '--snapshot', EXAMPLE, '--config', CONFIG, '--now', LATER, '--output', 'json')).json();
    // Reasons name where "unreferenced since" came from (ledger history vs snapshot capture time); all else is equal.
    // A ledger also warns about registries it does not hold (a snapshot holds one account by definition).
    const decisions = ({ warnings: _w, ...plan }: { images: Array<Record<string, unknown>>; warnings: string[] }) => ({ ...plan, images: plan.images.map(({ reasons: _, ...rest }) => rest) });
    expect(decisions(fromLedger)).toEqual(decisions(fromSnapshot));
    expect(fromLedger.images.flatMap((i: { reasons: string[] }) => i.reasons).join()).toContain('when the ledger saw it unprotected');
  });

  it('answers who uses an image by tag, by digest and by URI', async () => {
    const byTag = await cli('who-uses', 'fluentd:bbbb', '--snapshot', EXAMPLE, '--output', 'json');
    expect(byTag.code).toBe(0);
    const [image] = byTag.json().images;
    expect(image.referrers).toContainEqual(expect.objectContaining({ kind: 'ecs-service', id: 'arn:aws:ecs:us-east-1:123456789012:service/prod/middleware', protecting: true }));
    const byDigest = await cli('who-uses', `fluentd@${image.imageDigest}`, '--snapshot', EXAMPLE, '--output', 'json');
    const byUri = await cli('who-uses', `123456789012.dkr.ecr.us-east-1.amazonaws.com/fluentd@${image.imageDigest}`, '--snapshot', EXAMPLE, '--output', 'json');
    expect(byDigest.json().images).toEqual(byTag.json().images);
    expect(byUri.json().images).toEqual(byTag.json().images);
    expect(Object.keys(byTag.json())).toEqual(['schemaVersion', 'query', 'images']);
  });

  it('explains a decision in sentences', async () => {
    const result = await cli('explain', 'checkout:r7', '--snapshot', EXAMPLE, '--config', CONFIG, '--now', LATER);
    expect(result.code).toBe(0);
    expect(result.out).toContain('It is KEPT because:');
    expect(result.out).toContain('rollback target below checkout:9');
  });

  it('pins and unpins an image in the ledger; who-uses shows the pin', async () => {
    const dir = await tempDir();
    await cli('reconcile', '--snapshot', EXAMPLE, '--ledger', dir);
    expect((await cli('pin', 'preview/frontend:pr-1200', '--ledger', dir)).code).toBe(2);
    expect((await cli('pin', 'preview/frontend:pr-1200', '--reason', 'EKS deployment demo', '--ledger', dir)).code).toBe(0);
    const who = (await cli('who-uses', 'preview/frontend:pr-1200', '--ledger', dir, '--output', 'json')).json();
    expect(who.images[0].referrers).toEqual([expect.objectContaining({ kind: 'pin', protecting: true, reason: expect.stringContaining('EKS deployment demo') })]);
    const plan = (await cli('plan', '--ledger', dir, '--config', CONFIG, '--now', LATER, '--output', 'json')).json();
    expect(plan.images.find((i: { imageTags: string[] }) => i.imageTags.includes('pr-1200')).action).toBe('keep');
    expect((await cli('unpin', 'preview/frontend:pr-1200', '--ledger', dir)).code).toBe(0);
    expect((await cli('unpin', 'preview/frontend:pr-1200', '--ledger', dir)).code).toBe(3);
  });

  it.each([
    [['who-uses', 'nope:1', '--snapshot', EXAMPLE], 3, 'nope:1 is not in the ledger'],
    [['who-uses', 'Bad:1', '--snapshot', EXAMPLE], 2, 'invalid image reference "Bad:1"'],
    [['who-uses', 'docker.io/library/nginx:1.27', '--snapshot', EXAMPLE], 2, 'not in an ECR private registry'],
    [['who-uses', 'nginx:1.27', '--snapshot', EXAMPLE], 3, 'nginx:1.27 is not in the ledger'],
    [['who-uses', '999999999999.dkr.ecr.us-east-1.amazonaws.com/app:1.5', '--snapshot', EXAMPLE], 3, 'not registry 999999999999'],
    [['plan', '--snapshot', 'missing.json'], 2, 'missing.json: cannot read the snapshot'],
    [['plan', '--snapshot', 'examples'], 2, 'examples is a directory: give one snapshot file (a directory of snapshots, as snapshot --organization writes, is loaded with reconcile --snapshot DIR)'],
    [['plan', '--snapshot', EXAMPLE, '--now', 'tomorrow'], 2, '--now tomorrow'],
    [['plan', '--snapshot', EXAMPLE, '--output', 'yaml'], 2, '--output yaml'],
    [['plan', '--snapshot', EXAMPLE, '--ledger', '/tmp/x'], 2, 'give one source'],
    [['plan', '--frobnicate'], 2, 'ecr-ledger: unknown option --frobnicate (see `ecr-ledger help plan`)'],
    [['destroy'], 2, 'unknown command "destroy"'],
    [['snapshot', '--out', '-', '--region', 'us-east-1'], 1, 'ecr-ledger: no AWS credentials found: set AWS_PROFILE or give --profile (aws configure, aws sso login)'],
    [[], 2, 'Usage: ecr-ledger COMMAND'],
  ])('%j exits %i with a clear message', async (argv, code, message) => {
    const result = await cli(...argv);
    expect(result.code).toBe(code);
    expect(result.err).toContain(message);
    expect(result.err).not.toContain('    at ');
  });

  it('a table it cannot reach, or no region for it, is said with what was tried and how to fix it', async () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
      delete process.env.AWS_REGION;
      delete process.env.AWS_DEFAULT_REGION;
      const noRegion = await cli('plan', '--table', 'ledger-t');
      expect([noRegion.code, noRegion.err]).toEqual([2, 'ecr-ledger: no AWS region: give --region NAME, set AWS_REGION, or name a profile with a region']);
      Object.assign(process.env, { AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9' });
      const unreachable = await cli('plan', '--table', 'ledger-t');
      expect(unreachable.code).toBe(1);
      expect(unreachable.err).toContain('ecr-ledger: cannot reach DynamoDB (table ledger-t) at http://127.0.0.1:9: ECONNREFUSED');
    } finally {
      process.env = saved;
    }
  });

  it('reports a broken config file with its name and line (exit 2)', async () => {
    const file = join(await tempDir(), 'bad.yaml');
    await writeFile(file, 'sweep:\n  maxDeletionsPerRun: -5\n');
    const result = await cli('plan', '--snapshot', EXAMPLE, '--config', file);
    expect(result.code).toBe(2);
    expect(result.err).toContain(`${file}: sweep.maxDeletionsPerRun (line 2): must not be negative`);
  });

  it('runs as ./bin/ecr-ledger from a fresh checkout', async () => {
    const { stdout } = await promisify(execFile)('./bin/ecr-ledger', ['plan', '--snapshot', EXAMPLE, '--config', CONFIG, '--now', LATER]);
    expect(stdout).toMatch(/TOTAL\s+79\s+40\s+39/);
  });
});

describe('naming a DynamoDB table', () => {
  it('takes a name or a table ARN, whose region the client uses unless --region says otherwise', async () => {
    const { tableOf } = await import('../../src/cli/sources.js');
    expect(tableOf('ecr-ledger-prod')).toEqual({ name: 'ecr-ledger-prod' });
    expect(tableOf('arn:aws:dynamodb:eu-west-1:123456789012:table/ecr-ledger-prod')).toEqual({ name: 'ecr-ledger-prod', region: 'eu-west-1' });
    expect(() => tableOf('arn:aws:s3:::bucket')).toThrow('not a DynamoDB table ARN');
  });
});

describe('command-line conventions', () => {
  it('--version, help COMMAND and COMMAND --help print the synopsis, flags and exit codes', async () => {
    expect((await cli('--version')).out).toMatch(/^ecr-ledger \d+\.\d+\.\d+$/);
    const help = await cli('help', 'sweep');
    expect(help.code).toBe(0);
    expect(help.out).toContain('ecr-ledger sweep (--ledger DIR | --table NAME) [--force [--override-dry-run]]');
    expect(help.out).toContain('Exit codes: 0 ok, 1 runtime error (AWS, I/O), 2 usage, config or input error, 3 not found, 4 refused, 5 partly failed');
    expect((await cli('plan', '--help')).out).toContain('ecr-ledger plan [SOURCE]');
    expect((await cli('help', 'frobnicate')).code).toBe(2);
  });

  it('per-command help lists only that command\'s flags, each with one line; SOURCE and TIME only where they apply (issue 22, point 8)', async () => {
    const pin = (await cli('help', 'pin')).out;
    expect(pin).toMatch(/^ {2}--reason TEXT +who uses the image, in words$/m);
    expect(pin).toMatch(/^ {2}--expires ISO\|DURATION +when the pin ends/m);
    expect(pin).not.toContain('--snapshot');
    expect(pin).not.toContain('SOURCE:');
    expect(pin).not.toContain('TIME:');
    const plan = (await cli('help', 'plan')).out;
    expect(plan).toMatch(/^ {2}--now TIME +evaluate at this time instead of now$/m);
    expect(plan).toContain('SOURCE: --snapshot FILE');
    expect(plan).toContain('TIME: ISO-8601 with a zone');
    expect(plan).not.toContain('--force');
    // Every flag of every command has its line.
    const { COMMANDS, commandHelp } = await import('../../src/cli/command-specs.js');
    for (const name of Object.keys(COMMANDS)) for (const line of commandHelp(name).split('\n').filter((l) => /^ {2}-/.test(l))) expect(line, `${name}: ${line}`).toMatch(/^ {2}\S.*\s{2,}\S/);
  });

  it.each([
    [['plan', '--snapshot', EXAMPLE, '--out', 'x'], 'plan does not take --out'],
    [['plan', '--snapshot', EXAMPLE, '--snapshot', EXAMPLE], '--snapshot is given more than once'],
    [['plan', '--snapshot', EXAMPLE, 'extra'], 'plan takes no arguments: unexpected "extra"'],
    [['who-uses', 'a:1', 'b:2', '--snapshot', EXAMPLE], 'who-uses takes at most 1 IMAGE: unexpected "b:2"'],
    [['plan', '--snapshot', EXAMPLE, '--now', 'Nov 20 2026'], '--now Nov 20 2026: expected an ISO-8601 time with a zone'],
    [['plan', '--snapshot', EXAMPLE, '--now', '2026-11-20T00:00:00'], 'expected an ISO-8601 time with a zone'],
  ])('a usage error names what is wrong (exit 2): %j', async (argv, message) => {
    const result = await cli(...argv);
    expect(result.code).toBe(2);
    expect(result.err).toContain(message);
    expect(result.out).toBe('');
  });

  it('-o is --output; times take epoch seconds; errors under --output json are a JSON object on stderr', async () => {
    const plan = await cli('plan', '--snapshot', EXAMPLE, '-o', 'json', '--now', String(Date.parse(LATER) / 1000));
    expect(plan.json().now).toBe('2026-11-20T00:00:00.000Z');
    const failed = await cli('who-uses', 'nope:1', '--snapshot', EXAMPLE, '-o', 'json');
    expect(failed.code).toBe(3);
    expect(JSON.parse(failed.err)).toEqual({ error: expect.stringContaining('nope:1 is not in the ledger'), exitCode: 3 });
  });

  it('ECR_LEDGER_CONFIG and ECR_LEDGER_TABLE are defaults that flags override', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t), clock: () => new Date(LATER), env: { ECR_LEDGER_CONFIG: '/nonexistent/config.yaml' } };
    expect(await runCli(['plan', '--snapshot', EXAMPLE], io)).toBe(2);
    expect(err.join()).toContain('/nonexistent/config.yaml: cannot read the config file');
    expect(await runCli(['plan', '--snapshot', EXAMPLE, '--config', CONFIG, '--output', 'json'], io)).toBe(0);
  });

  it('history of an image never recorded exits 3', async () => {
    const dir = await tempDir();
    await cli('reconcile', '--snapshot', EXAMPLE, '--ledger', dir);
    const result = await cli('history', 'fluentd:bbbb', '--ledger', dir);
    expect(result.code).toBe(3);
    expect(result.err).toContain('no deletion or archive of fluentd:bbbb is recorded');
  });
});

describe('a closed stdout', () => {
  it('ends the command quietly, without an EPIPE stack trace', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn('./bin/ecr-ledger', ['plan', '--snapshot', EXAMPLE, '--now', LATER, '-o', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.stdout.destroy(); // the reader is gone before the first line, as with `| head -0`
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|at .*\.(ts|js):\d+/);
    expect(code).toBe(0);
  });
});

describe('references into registries the ledger does not hold', () => {
  it('plan over a ledger warns once per such registry, on stderr and in its JSON', async () => {
    const dir = await tempDir();
    await cli('reconcile', '--snapshot', EXAMPLE, '--ledger', dir);
    const plan = await cli('plan', '--ledger', dir, '--output', 'json');
    const warning = 'referrers name images of 999999999999/us-east-1, which the ledger does not hold: what they name there is not protected by this ledger';
    // base/python is shared with 210987654321, which the ledger does not hold: said once, as a summary.
    const keptWhole = '1 repository kept whole: 1 account/region(s) a deletion reaches cannot be judged now (210987654321/*: the ledger does not hold it';
    expect(plan.json().warnings).toEqual([warning, expect.stringContaining(keptWhole)]);
    expect(plan.json().keptWhole).toEqual({ repositories: 1, scopes: [{ account: '210987654321', region: '*', why: expect.stringContaining('the ledger does not hold it') }] });
    expect(plan.err).toBe(`warning: ${warning}\nwarning: ${plan.json().warnings[1]}`);
  });
});

describe('an image in a scope the ledger does not hold', () => {
  it('is not found (exit 3), and the message names the scopes the ledger holds', async () => {
    const dir = await tempDir();
    await cli('reconcile', '--snapshot', EXAMPLE, '--ledger', dir);
    const result = await cli('who-uses', '999999999999.dkr.ecr.eu-west-1.amazonaws.com/app:1', '--ledger', dir);
    expect(result.code).toBe(3);
    expect(result.err).toBe('ecr-ledger: the ledger holds nothing for 999999999999 in eu-west-1 (it holds 123456789012/us-east-1)');
  });
});
