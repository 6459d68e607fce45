import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/config.js';
import { loadConfigFile } from '../src/config-file.js';
import { ConfigError } from '../src/errors.js';

async function configFile(name: string, text: string): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'ecr-ledger-config-')), name);
  await writeFile(file, text);
  return file;
}

describe('config', () => {
  it('has the documented defaults', () => {
    expect(defaultConfig()).toEqual({
      repositories: [{ pattern: '*', keepLatest: 10, olderThanDays: 30, graceDays: 7, keepTags: ['latest'], keepPulledWithinDays: 30, keepIfSharedWithOtherAccounts: true }],
      ecs: { rollbackRevisions: 1, keepLatestRevisions: 1, stoppedTaskRetentionHours: 24 },
      scope: { clusters: ['*'], functions: ['*'], batch: true, appRunner: true, ignoreRegions: [] },
      sweep: { maxDeletionsPerRun: 500, maxLedgerAgeHours: 36, minimumImageAgeHours: 24, auditRetentionDays: 400, action: 'delete' },
      eks: { clusters: [] },
      evidence: {},
      usageSources: { staleAfterHours: 24, sources: {} },
      restoreOnUse: true,
      // us-east-1's published prices (2026), docs/config.md.
      pricing: { standardUsdPerGbMonth: 0.1, archiveUsdPerGbMonth: 0.07, archiveTierTb: 150, archiveMinimumDays: 90, restoreUsdPerGb: 0.03 },
    });
  });

  it('fills defaults inside a partial rule and keeps rule order', async () => {
    const file = await configFile('c.yaml', 'repositories:\n  - pattern: "ci/*"\n    keepLatest: 0\n  - pattern: "*"\n');
    const config = await loadConfigFile(file);
    expect(config.repositories.map((r) => [r.pattern, r.keepLatest, r.graceDays])).toEqual([['ci/*', 0, 7], ['*', 10, 7]]);
  });

  it('reads JSON too', async () => {
    const file = await configFile('c.json', JSON.stringify({ sweep: { action: 'archive' } }));
    expect((await loadConfigFile(file)).sweep.action).toBe('archive');
  });

  it.each([
    ['repositories:\n  - pattern: "*"\n    keepLatst: 3\n', 'repositories[0].keepLatst (line 3): unknown key'],
    ['ecs:\n  rollbackRevisions: -1\n', 'ecs.rollbackRevisions (line 2): must not be negative (got -1)'],
    ['sweep:\n  maxDeletionsPerRun: "many"\n', 'sweep.maxDeletionsPerRun (line 2): expected number, got string'],
    ['colour: red\n', 'colour (line 1): unknown key'],
    ['organization:\n  accounts:\n    - id: "12345"\n      regions: [eu-west-1]\n', 'organization.accounts[0].id (line 3): expected a 12-digit account id'],
    ['organization:\n  discover: true\n  regions: [eu-west-1]\n  roles: x\n', 'organization (line 2): unknown key(s) roles (organization takes id, accounts and roleName, or discover, id, regions and roleName)'],
    ['organization:\n  id: o-ABC\n  accounts: [{ id: "222222222222", regions: [eu-west-1] }]\n', 'organization.id (line 2): expected an organization id: o- and 10 to 32 lowercase letters or digits'],
    ['notice:\n  daysAhead: 0\n', 'notice.daysAhead (line 2): must be at least 1 (got 0)'],
    ['evidence:\n  inspector:\n    keepInUseWithinDays: -3\n', 'evidence.inspector.keepInUseWithinDays (line 3): must be more than 0 (got -3)'],
    ['repositories: [\n', 'not valid YAML or JSON'],
    ['- a\n- b\n', 'must be a mapping'],
  ])('rejects a bad config naming the file, key and line: %j', async (text, message) => {
    const file = await configFile('bad.yaml', text);
    const error = await loadConfigFile(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toContain(message);
  });

  it.each([
    ['repositories:\n  - pattern: "*"\n    keepTags: ["release-*", "r[1-"]\n', 'repositories[0].keepTags[1] (line 3): not a valid glob "r[1-": missing closing: "]"'],
    ['repositories:\n  - pattern: "[abc"\n', 'repositories[0].pattern (line 2): not a valid glob "[abc"'],
    ['repositories:\n  - pattern: "{a,b"\n', 'repositories[0].pattern (line 2): not a valid glob "{a,b": a "{" is not closed'],
    ['repositories:\n  - pattern: "a}"\n', 'repositories[0].pattern (line 2): not a valid glob "a}": a "}" has no opening "{"'],
    ['repositories:\n  - pattern: ""\n', 'repositories[0].pattern (line 2): not a valid glob "": the pattern is empty'],
    ['scope:\n  clusters:\n    - prod\n    - "team-(a"\n', 'scope.clusters[1] (line 4): not a valid glob "team-(a"'],
    ['scope:\n  functions: ["fn\\\\"]\n', 'scope.functions[0] (line 2): not a valid glob "fn\\\\": it ends with a lone backslash'],
  ])('rejects a malformed glob naming the file, the key path and the line: %j', async (text, message) => {
    const file = await configFile('globs.yaml', text);
    const error = await loadConfigFile(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(`${file}: `);
    expect((error as Error).message).toContain(message);
  });

  it('accepts the globs people write: wildcards, classes, braces, extglobs and escaped brackets', async () => {
    const file = await configFile('ok.yaml', 'repositories:\n  - pattern: "team-{a,b}/**"\n    keepTags: ["v[0-9]*", "release-*", "!(tmp)*", "literal\\\\[x\\\\]"]\n');
    expect((await loadConfigFile(file)).repositories[0]!.keepTags).toHaveLength(4);
  });

  it('says when the file cannot be read', async () => {
    await expect(loadConfigFile('/nonexistent/config.yaml')).rejects.toThrow('/nonexistent/config.yaml: cannot read the config file');
  });

  it('says what a new user gets wrong in words that say how to fix it (issue 34, point 7)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-config-words-'));
    const check = async (text: string) => {
      const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
      await writeFile(file, text);
      return loadConfigFile(file).then(() => 'accepted', (error: Error) => error.message);
    };
    expect(await check('organisation:\n  accounts: []\n')).toContain('organisation (line 1): unknown key (did you mean organization?)');
    expect(await check('organization:\n  accounts:\n    - id: 111111111111\n      regions: [us-east-1]\n')).toContain('organization.accounts[0].id (line 3): expected a string, got the number 111111111111: quote it ("111111111111")');
    expect(await check('organization:\n  accounts:\n    - id: "111111111111"\n      regions: [us-east-1]\n    - id: "111111111111"\n      regions: [eu-west-1]\n'))
      .toContain('organization.accounts[1].id (line 5): account 111111111111 is listed twice');
    expect(await check('repositoriez: []\n')).toContain('did you mean repositories?');
    expect(await check('organization:\n  accounts:\n    - id: "111111111111"\n')).toContain('organization.accounts[0].regions (line 3): missing: expected a list here');
    expect(await check('nothingLikeIt: 1\n')).toMatch(/nothingLikeIt \(line 1\): unknown key$/);
  });
});
