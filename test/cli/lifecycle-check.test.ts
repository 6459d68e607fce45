import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAt } from '../support/cli.js';
import { FakeAccount } from '../fakes/fake-account.js';

const EXAMPLE = 'examples/account.json';
const CONFIG = 'examples/config.yaml';

const cli = (argv: string[], account?: FakeAccount) => runAt('2026-11-10T06:00:00Z', argv, { ...(account && { account }) });

const tempDir = () => mkdtemp(join(tmpdir(), 'ecr-ledger-lifecycle-'));

/** The example account (the seed sidecar case) with `fluentd`'s lifecycle policy replaced. */
async function exampleWithPolicy(policy: object | undefined): Promise<string> {
  const snapshot = JSON.parse(await readFile(EXAMPLE, 'utf8'));
  const fluentd = snapshot.ecr.repositories.find((r: { repositoryName: string }) => r.repositoryName === 'fluentd');
  if (policy === undefined) delete fluentd.lifecyclePolicyText;
  else fluentd.lifecyclePolicyText = JSON.stringify(policy);
  const file = join(await tempDir(), 'account.json');
  await writeFile(file, JSON.stringify(snapshot));
  return file;
}

/** fluentd's endangered images as `tag: referrer, …` lines. */
function endangered(report: { repositories: Array<{ repositoryName: string; rules: Array<{ endangered: Array<{ imageTags: string[]; usedBy: Array<{ id: string }> }> }> }> }): string[] {
  return report.repositories.flatMap((r) => r.rules.flatMap((rule) => rule.endangered.map((e) => `${r.repositoryName}:${e.imageTags.join(',')} used by ${e.usedBy.map((u) => u.id.split('/').pop()).join(', ')}`)));
}

describe('ecr-ledger lifecycle-check', () => {
  it('flags the sidecar images a "keep the newest 3 tagged" policy on fluentd would expire although middleware runs them (exit 6)', async () => {
    const result = await cli(['lifecycle-check', '--snapshot', EXAMPLE, '--config', CONFIG, '--output', 'json']);
    expect(result.code).toBe(6);
    const report = result.json();
    expect(Object.keys(report)).toEqual(['schemaVersion', 'now', 'scope', 'repositories', 'repositoriesWithoutPolicy', 'endangered', 'warnings']);
    expect(endangered(report)).toEqual(['fluentd:bbbb used by middleware, 0a1b2c3d4e5f, middleware:2', 'fluentd:aaaa used by middleware:1']);
    const rule = report.repositories[0].rules[0];
    // latest is selected too, but nothing uses it: it is counted, not flagged.
    expect(rule).toMatchObject({ rulePriority: 1, description: 'Keep the newest 3 tagged images', action: 'expire', selected: 3 });
    expect(rule.endangered[1].usedBy[0].reason).toMatch(/rollback/);
    const text = await cli(['lifecycle-check', '--snapshot', EXAMPLE, '--config', CONFIG]);
    expect(text.code).toBe(6);
    expect(text.out).toMatch(/rule 1 \(Keep the newest 3 tagged images\): would expire 3 image\(s\), 2 of them IN USE/);
    expect(text.out).toMatch(/used by ecs-task-definition arn:aws:ecs:us-east-1:123456789012:task-definition\/middleware:2/);
  });

  it('gives the same findings over a ledger reconciled from the snapshot', async () => {
    const dir = await tempDir();
    expect((await cli(['reconcile', '--snapshot', EXAMPLE, '--config', CONFIG, '--ledger', dir, '--now', '2026-11-10T06:00:00Z'])).code).toBe(0);
    const fromLedger = await cli(['lifecycle-check', '--ledger', dir, '--config', CONFIG, '--now', '2026-11-10T06:00:00Z', '--output', 'json']);
    const fromSnapshot = await cli(['lifecycle-check', '--snapshot', EXAMPLE, '--config', CONFIG, '--output', 'json']);
    expect(fromLedger.code).toBe(6);
    expect(fromLedger.json().repositories).toEqual(fromSnapshot.json().repositories);
  });

  it('exits 0 when every rule spares what is in use, and counts repositories without a policy', async () => {
    const file = await exampleWithPolicy({ rules: [{ rulePriority: 1, selection: { tagStatus: 'tagged', tagPatternList: ['*'], countType: 'imageCountMoreThan', countNumber: 5 }, action: { type: 'expire' } }] });
    const result = await cli(['lifecycle-check', '--snapshot', file, '--config', CONFIG, '--output', 'json']);
    expect(result.code).toBe(0);
    expect(result.json()).toMatchObject({ endangered: 0, repositoriesWithoutPolicy: 8 });
    expect(result.json().repositories[0].rules[0].selected).toBe(1);
    const none = await cli(['lifecycle-check', '--snapshot', await exampleWithPolicy(undefined), '--config', CONFIG]);
    expect(none.code).toBe(0);
    expect(none.out).toMatch(/0 repositories with a policy, 9 without/);
  });

  it('reports a policy field it does not know instead of guessing', async () => {
    const file = await exampleWithPolicy({ rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1, tagRegex: '.*' }, action: { type: 'expire' } }] });
    const report = (await cli(['lifecycle-check', '--snapshot', file, '--config', CONFIG, '--output', 'json'])).json();
    expect(report.repositories[0].problems).toEqual(['rule 1 selection: unknown field "tagRegex" (not evaluated)']);
  });

  it('reads the lifecycle policy live and compares with ECR\'s own preview (--preview)', async () => {
    const account = FakeAccount.fromSnapshot(JSON.parse(await readFile(EXAMPLE, 'utf8')));
    account.ecr.previewPolls = 0;
    const snapshot = JSON.parse(await readFile(EXAMPLE, 'utf8'));
    const fluentd = snapshot.ecr.repositories.find((r: { repositoryName: string }) => r.repositoryName === 'fluentd');
    const digestOf = (tag: string) => fluentd.images.find((i: { imageTags: string[] }) => i.imageTags.includes(tag)).imageDigest;
    const ecrSays = (tags: string[]) => tags.map((tag) => ({ imageDigest: digestOf(tag), imageTags: [tag], appliedRulePriority: 1, action: { type: 'EXPIRE' as const } }));
    account.ecr.lifecyclePreviews.set('fluentd', ecrSays(['latest', 'aaaa', 'bbbb']));
    const agreeing = await cli(['lifecycle-check', '--preview', '--config', CONFIG, '--output', 'json', '--quiet'], account);
    expect(agreeing.code).toBe(6);
    expect(endangered(agreeing.json())).toEqual(['fluentd:bbbb used by middleware, 0a1b2c3d4e5f, middleware:2', 'fluentd:aaaa used by middleware:1']);
    expect(agreeing.json().repositories[0].previewDifferences).toEqual([]);
    account.ecr.lifecyclePreviews.set('fluentd', ecrSays(['latest', 'aaaa', 'cccc']));
    const differing = (await cli(['lifecycle-check', '--preview', '--config', CONFIG, '--output', 'json', '--quiet'], account)).json();
    expect(differing.repositories[0].previewDifferences).toEqual([
      { imageDigest: digestOf('bbbb'), ecr: null, ecrLedger: { rulePriority: 1, action: 'expire' } },
      { imageDigest: digestOf('cccc'), ecr: { rulePriority: 1, action: 'expire' }, ecrLedger: null },
    ].sort((a, b) => a.imageDigest.localeCompare(b.imageDigest)));
    const refused = await cli(['lifecycle-check', '--preview', '--snapshot', EXAMPLE], account);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/--preview runs ECR's own lifecycle preview on live AWS/);
  });
});
