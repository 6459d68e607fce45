import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { ecrmDays } from '../../src/domain/from-ecrm.js';
import { runAt } from '../support/cli.js';

/** `init --from-ecrm FILE` (issue 35): ecrm's documented example converted, each rule saying where it came from. */
const NOW = '2026-11-20T00:00:00Z';

describe('init --from-ecrm', () => {
  it('converts ecrm\'s documented example into a valid config, each rule commented with its ecrm entry and what differs', async () => {
    const run = await runAt(NOW, ['init', '--from-ecrm', 'test/fixtures/ecrm/README-example.yaml']);
    expect(run.code, run.err).toBe(0);
    const config = parseConfig(parse(run.out));
    expect(config.repositories.map((r) => ({ pattern: r.pattern, olderThanDays: r.olderThanDays, keepTags: r.keepTags, keepLatest: r.keepLatest }))).toEqual([
      { pattern: 'prod/*', olderThanDays: 90, keepTags: ['latest'], keepLatest: 0 },
      { pattern: 'dev/*', olderThanDays: 30, keepTags: ['latest'], keepLatest: 0 }, // ecrm's default keep_tag_patterns
    ]);
    expect(config.scope.clusters).toEqual(['my-cluster', 'prod*', 'dev*']);
    expect(config.ecs.keepLatestRevisions).toBe(3);
    expect(run.out).toContain('# from ecrm: {"name_pattern":"prod/*","expires":"90days","keep_tag_patterns":["latest"]}');
    expect(run.out).toContain('ecrm keeps that many of the expired images; ecr-ledger keeps the newest 0 of the images nothing uses');
    expect(run.out).toContain('keep_count and keep_aliase have no key here');
  });

  it('names what it cannot carry over, refuses a duration it cannot read, and writes with --out (never over a file)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-ecrm-'));
    const source = join(dir, 'ecrm.yaml');
    await writeFile(source, 'exclude_files: [in-use.txt]\nnotify: slack\nrepositories:\n  - name: app\n    expires: 2w\n    keep_count: 5\n    keep_tag_patterns: ["v*"]\n');
    const out = join(dir, 'ecr-ledger.yaml');
    const run = await runAt(NOW, ['init', '--from-ecrm', source, '--out', out]);
    expect(run.code, run.err).toBe(0);
    expect(run.err).toContain('notify: not an ecrm key ecr-ledger knows; not carried over');
    expect(run.err).toContain('exclude_files: ecrm\'s lists of images in use become usage reports here');
    const written = parseConfig(parse(await readFile(out, 'utf8')));
    expect(written.repositories[0]).toMatchObject({ pattern: 'app', olderThanDays: 14, keepLatest: 5, keepTags: ['v*'] });
    expect((await runAt(NOW, ['init', '--from-ecrm', source, '--out', out])).code).toBe(4);
    await writeFile(source, 'repositories:\n  - name: app\n    expires: 3 fortnights\n');
    const bad = await runAt(NOW, ['init', '--from-ecrm', source]);
    expect([bad.code, bad.err]).toEqual([2, expect.stringContaining('repositories[0]: expires "3 fortnights" is not a duration ecr-ledger can read')]);
    expect(ecrmDays('720h', 'x')).toBe(30);
    expect(ecrmDays('90 days', 'x')).toBe(90);
  });
});
