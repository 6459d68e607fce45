import { execFile } from 'node:child_process';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const EXAMPLE = resolve('examples/account.json');

describe('the package people install', () => {
  it('npm pack, then npm install -g of the tarball: ecr-ledger runs from any directory with only its runtime dependencies', async () => {
    const work = await mkdtemp(join(tmpdir(), 'ecr-ledger-install-'));
    // The CLI npm test built (prepack would rebuild dist/ under the other test files that run ./bin/ecr-ledger meanwhile).
    await run('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', work], { env: { ...process.env, npm_config_loglevel: 'error' } });
    const [tarball] = (await readdir(work)).filter((f) => f.endsWith('.tgz'));
    expect(tarball).toMatch(/^ecr-ledger-\d+\.\d+\.\d+\.tgz$/);
    const prefix = join(work, 'prefix');
    await run('npm', ['install', '-g', '--prefix', prefix, join(work, tarball!), '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error']);
    const ecrLedger = join(prefix, 'bin', 'ecr-ledger'); // a symlink into the installed package
    const elsewhere = { cwd: work, env: { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH}` } };
    expect((await run(ecrLedger, ['--version'], elsewhere)).stdout.trim()).toMatch(/^ecr-ledger \d+\.\d+\.\d+$/);
    const plan = await run(ecrLedger, ['plan', '--snapshot', EXAMPLE, '--now', '2026-11-20T00:00:00Z', '--output', 'json'], elsewhere);
    expect(JSON.parse(plan.stdout).totals).toMatchObject({ images: 79 });
    await run(ecrLedger, ['reconcile', '--snapshot', EXAMPLE, '--ledger', join(work, 'ledger'), '--quiet'], elsewhere);
    const who = await run(ecrLedger, ['who-uses', 'fluentd:bbbb', '--ledger', join(work, 'ledger'), '-o', 'json'], elsewhere);
    expect(JSON.parse(who.stdout).images[0].referrers.length).toBeGreaterThan(0);
    const installed = await readdir(join(prefix, 'lib', 'node_modules', 'ecr-ledger', 'node_modules'));
    expect(installed).not.toContain('tsx');
    expect(installed).not.toContain('vitest');
  }, 180_000);
});
