import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAt } from '../support/cli.js';
import { loadConfigFile } from '../../src/config-file.js';
import { defaultConfig } from '../../src/config.js';
import { FakeAccount } from '../fakes/fake-account.js';

const EXAMPLE = 'examples/account.json';

const cli = (argv: string[], account?: FakeAccount) => runAt('2026-11-10T06:00:00Z', argv, { ...(account && { account }) });

describe('ecr-ledger init', () => {
  it('writes a commented starter config from a snapshot that loads as it is and warns about lifecycle policies and shared repositories', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'ecr-ledger-init-')), 'ecr-ledger.yaml');
    const result = await cli(['init', '--snapshot', EXAMPLE, '--out', file, '--output', 'json']);
    expect(result.code).toBe(0);
    expect(result.json()).toMatchObject({ out: file, rules: 4, repositories: 9 });
    const config = await loadConfigFile(file);
    expect(config.repositories.map((r) => r.pattern)).toEqual(['base/*', 'jobs/*', 'preview/*', '*']);
    // Every value is a default: the starter config changes no safety setting.
    expect({ ...config, repositories: [] }).toEqual({ ...defaultConfig(), repositories: [] });
    const text = await readFile(file, 'utf8');
    expect(text).toMatch(/WARNING: fluentd has an ECR lifecycle policy that would expire 2 image\(s\) in use now: bbbb \(rule 1, used by [^)]*middleware:2\); aaaa \(rule 1, used by middleware:1\)/);
    expect(text).toMatch(/WARNING: base\/python is shared with other accounts \(its repository policy allows arn:aws:iam::210987654321:root to pull/);
    expect(text).toMatch(/# clusters seen: prod\n# functions seen: thumbnailer/);
    // Archiving is offered with its price: below the archive tier it saves nothing (issue 35).
    expect(text).toContain('action: delete            # or archive (ECR\'s archive storage class): archiving saves nothing below 150 TB/month (this registry stores 19.6 GiB); it buys undo at 0.03 USD/GB per restore, billed 90 days at least');
    expect(result.err).toMatch(/^warning: fluentd has an ECR lifecycle policy/m);
  });

  it('refuses to overwrite an existing file (exit 4) and leaves it as it was', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'ecr-ledger-init-')), 'mine.yaml');
    await writeFile(file, 'repositories: []\n');
    const result = await cli(['init', '--snapshot', EXAMPLE, '--out', file]);
    expect(result.code).toBe(4);
    expect(result.err).toBe(`ecr-ledger: ${file} exists: init never overwrites a file; move it away or give another --out`);
    expect(await readFile(file, 'utf8')).toBe('repositories: []\n');
  });

  it('reads live AWS when no source is given and prints the config on stdout without --out', async () => {
    const account = FakeAccount.fromSnapshot(JSON.parse(await readFile(EXAMPLE, 'utf8')));
    const result = await cli(['init', '--quiet'], account);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^# ecr-ledger starter config, written by `ecr-ledger init` from live AWS/);
    const file = join(await mkdtemp(join(tmpdir(), 'ecr-ledger-init-')), 'stdout.yaml');
    await writeFile(file, result.out);
    expect((await loadConfigFile(file)).repositories).toHaveLength(4);
  });

  it('init --organization on a registry shared with the whole organisation: one warning, the o- id kept, discover instead of an empty list (issue 34, point 7)', async () => {
    const a = new FakeAccount();
    const orgPolicy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Org', Effect: 'Allow', Principal: '*', Action: ['ecr:BatchGetImage'], Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij' } } }] });
    for (const name of ['svc-a', 'svc-b', 'svc-c', 'svc-d', 'svc-e']) {
      a.ecr.addRepository(name, orgPolicy);
      a.ecr.addImage(name, { imageDigest: `sha256:${name.padEnd(64, '0').replace(/[^0-9a-f]/g, '0')}`, imageTags: ['v1'], imagePushedAt: new Date('2026-10-01T00:00:00Z'), imageSizeInBytes: 1 });
    }
    const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-init-org-'));
    const snapshot = join(dir, 'account.json');
    expect((await cli(['snapshot', '--out', snapshot, '--quiet'], a)).code).toBe(0);
    const file = join(dir, 'ecr-ledger.yaml');
    const denied = () => ({ discover: async () => { throw new Error('AccessDenied: organizations:ListAccounts'); } });
    const result = await runAt('2026-11-10T06:00:00Z', ['init', '--snapshot', snapshot, '--organization', '--out', file], { organization: denied as never });
    expect(result.code, result.err).toBe(0);
    const text = await readFile(file, 'utf8');
    expect(text.match(/is shared with other accounts|are shared with other accounts/g)).toHaveLength(1);
    expect(text).toContain('WARNING: 5 repositories (svc-a, svc-b, svc-c and 2 more) are shared with other accounts (its repository policy allows every account of organisation o-abcdefghij to pull)');
    expect(text).toContain('#   discover: true');
    expect(text).toContain('#   id: o-abcdefghij');
    expect(text).not.toMatch(/accounts:\s*\n#?\s*roleName/);
    // Uncommented, the section loads.
    await writeFile(file, text.replace(/^# (organization:|  discover|  id|  regions|  roleName)/gm, '$1'));
    expect((await loadConfigFile(file)).organization).toMatchObject({ discover: true, id: 'o-abcdefghij', regions: ['us-east-1'] });
  });
});
