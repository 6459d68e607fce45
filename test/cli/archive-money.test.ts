import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAt } from '../support/cli.js';

/**
 * Archiving is not counted as savings (issue 35): below 150 TB a month ECR's archive storage costs what standard
 * storage costs, so the plan's USD/MONTH SAVED counts deletions only and says once what archiving buys and costs.
 */
describe('the money of a plan that archives', () => {
  it('saves nothing for the archived images, shows them apart, and says why once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-money-'));
    const config = join(dir, 'config.yaml');
    await writeFile(config, (await readFile('examples/config.yaml', 'utf8')).replace('    keepPulledWithinDays: 7\n', '    keepPulledWithinDays: 7\n    action: archive\n'));
    const at = '2026-11-20T00:00:00Z';
    const json = await runAt(at, ['plan', '--snapshot', 'examples/account.json', '--config', config, '--now', at, '-o', 'json']);
    expect(json.code).toBe(0);
    const plan = json.json();
    const preview = plan.repositories.find((r: { repositoryName: string }) => r.repositoryName === 'preview/frontend');
    expect(preview).toMatchObject({ toDelete: 25, toArchive: 25, usdPerMonthSaved: 0 });
    // The 15 deleted images free 627 MiB of layers their builds' bases do not share (0.06 USD/month); the archived free none.
    expect(plan.totals).toMatchObject({ toDelete: 40, toArchive: 25, bytesFreed: 657_457_152, usdPerMonthSaved: 0.06 });
    expect(preview).toMatchObject({ bytesFreed: 0 });
    const text = (await runAt(at, ['plan', '--snapshot', 'examples/account.json', '--config', config, '--now', at])).out;
    expect(text.match(/saves nothing/g)).toHaveLength(1);
    // ARCHIVE apart from DELETE: the archived images free nothing.
    expect(text).toMatch(/REPOSITORY\s+IMAGES\s+DELETE\s+ARCHIVE\s+KEEP\s+SIZE\s+DELETE SIZE\s+ARCHIVE SIZE\s+FREED\s+USD\/MONTH SAVED/);
    expect(text).toMatch(/preview\/frontend\s+30\s+0\s+25\s+5\s+12\.3 GiB\s+0 B\s+10\.3 GiB\s+0 B\s+0\.00/);
    expect(text).toMatch(/TOTAL\s+79\s+15\s+25\s+39\s+19\.6 GiB\s+2\.0 GiB\s+10\.3 GiB\s+627\.0 MiB\s+0\.06/);
    expect(text).toContain('archiving 25 image(s) (10.3 GB) saves nothing: below 150 TB a month');
    // The example config, which only deletes: the saving from the layers its deletions free (12.3 GiB of images summed, 1.6 GiB freed).
    const deleting = (await runAt(at, ['plan', '--snapshot', 'examples/account.json', '--config', 'examples/config.yaml', '--now', at, '-o', 'json'])).json();
    expect(deleting.totals).toMatchObject({ toDelete: 40, toArchive: 0, bytesToDelete: 13_187_940_352, bytesFreed: 1_758_461_952, usdPerMonthSaved: 0.16, savedFrom: 'freed-layers' });
  });

  it('prices from the config (pricing): archiving saves only above the archive tier, at the difference of the prices; the note names the minimum billing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-pricing-'));
    const example = await readFile('examples/config.yaml', 'utf8');
    const archiving = example.replace('    keepPulledWithinDays: 7\n', '    keepPulledWithinDays: 7\n    action: archive\n');
    const at = '2026-11-20T00:00:00Z';
    const plan = async (text: string) => {
      const config = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
      await writeFile(config, text);
      const run = await runAt(at, ['plan', '--snapshot', 'examples/account.json', '--config', config, '--now', at, '-o', 'json']);
      expect(run.code, run.err).toBe(0);
      return run.json();
    };
    // A registry above the tier (a tier of 0 TB here): the 10.3 GB archived save 0.03 USD/GB-month.
    const above = await plan(`${archiving}pricing:\n  archiveTierTb: 0\n`);
    expect(above.repositories.find((r: { repositoryName: string }) => r.repositoryName === 'preview/frontend').usdPerMonthSaved).toBe(0.31);
    expect(above.totals.usdPerMonthSaved).toBe(0.37);
    expect(above.archiveNote).toBeUndefined();
    // Below it (the default 150 TB): nothing for archiving, and the note says what the 90 days commit.
    const below = await plan(archiving);
    expect(below.archiveNote).toContain('bills 90 days at least (3.08 USD committed)');
    // Another standard price scales what deletions save.
    const dearer = await plan(`${example}pricing:\n  standardUsdPerGbMonth: 0.2\n`);
    expect(dearer.totals.usdPerMonthSaved).toBe(0.33); // 1.64 GiB freed at 0.2 USD
  });
});
