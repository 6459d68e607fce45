import { BatchGetImageCommand } from '@aws-sdk/client-ecr';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeAccount } from '../fakes/fake-account.js';
import { formatBytes } from '../../src/domain/bytes.js';
import { runAt } from '../support/cli.js';
import { pictureAt } from '../support/picture.js';

const EXAMPLE = 'examples/account.json';
const CONFIG = 'examples/config.yaml';
const AT = '2026-11-20T00:00:00Z';

/**
 * Issue 35: what a deletion frees is counted from layers (ECR stores a layer once however many images name it), read
 * once per digest and kept in the ledger; where layers are unknown the plan says so and counts image sizes, marked.
 */
describe('bytes freed, from layers', () => {
  it('plan shows FREED beside the summed sizes and counts the money from it', async () => {
    const text = await runAt(AT, ['plan', '--snapshot', EXAMPLE, '--config', CONFIG, '--now', AT]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/REPOSITORY\s+IMAGES\s+DELETE\s+KEEP\s+SIZE\s+DELETE SIZE\s+FREED\s+USD\/MONTH SAVED/);
    expect(text.out).toMatch(/preview\/frontend\s+30\s+25\s+5\s+12\.3 GiB\s+10\.3 GiB\s+1\.0 GiB\s+0\.10/);
    expect(text.out).toContain('FREED counts the layers no image that stays names (a lower bound');
  });

  it('a snapshot without layers: FREED unknown, the money from image sizes marked as an upper bound', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-freed-'));
    const example = JSON.parse(await readFile(EXAMPLE, 'utf8'));
    for (const repo of example.ecr.repositories) for (const image of repo.images) delete image.layers;
    const bare = join(dir, 'account.json');
    await writeFile(bare, JSON.stringify(example));
    const json = (await runAt(AT, ['plan', '--snapshot', bare, '--config', CONFIG, '--now', AT, '-o', 'json'])).json();
    expect(json.totals).toMatchObject({ bytesToDelete: 13_187_940_352, usdPerMonthSaved: 1.23, savedFrom: 'image-sizes', layersUnknown: 75 });
    expect(json.totals).not.toHaveProperty('bytesFreed');
    const text = (await runAt(AT, ['plan', '--snapshot', bare, '--config', CONFIG, '--now', AT])).out;
    expect(text).toMatch(/TOTAL\s+79\s+40\s+39\s+19\.6 GiB\s+12\.3 GiB\s+\?\s+<= 1\.23/);
    expect(text).toContain('FREED is unknown: the layers of 75 image(s) were not read');
  });

  it('a live reconcile reads each manifest once, keeps the layers in the ledger, and plan and explain use them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-freed-'));
    const ledger = join(dir, 'ledger');
    const account = FakeAccount.fromSnapshot(JSON.parse(await readFile(EXAMPLE, 'utf8')));
    expect((await runAt('2026-11-10T06:00:00Z', ['reconcile', '--ledger', ledger, '--config', CONFIG, '--quiet'], { account })).code).toBe(0);
    const fetched = () => account.ecr.mock.commandCalls(BatchGetImageCommand).flatMap((c) => c.args[0].input.imageIds!.map((id) => id.imageDigest));
    expect(fetched()).toHaveLength(79);
    expect((await runAt('2026-11-19T06:00:00Z', ['reconcile', '--ledger', ledger, '--config', CONFIG, '--quiet'], { account })).code).toBe(0);
    expect(fetched()).toHaveLength(79);
    const fromLedger = (await runAt(AT, ['plan', '--ledger', ledger, '--config', CONFIG, '--now', AT, '-o', 'json'], { account })).json();
    const fromSnapshot = (await runAt(AT, ['plan', '--snapshot', EXAMPLE, '--config', CONFIG, '--now', AT, '-o', 'json'])).json();
    expect(fromLedger.totals.bytesFreed).toBe(fromSnapshot.totals.bytesFreed);
    const explained = (await runAt(AT, ['explain', 'app:1.1', '--ledger', ledger, '--config', CONFIG, '--now', AT, '-o', 'json'], { account })).json();
    expect(explained.images[0].freed).toEqual({ bytes: 48 * 1024 * 1024, among: 'repository' });
    const text = (await runAt(AT, ['explain', 'app:1.1', '--snapshot', EXAMPLE, '--config', CONFIG, '--now', AT])).out;
    expect(text).toContain('160.0 MiB; deleting it alone frees 48.0 MiB (layers no other image of the registry names)');
  });

  it('a sweep records what its run frees, and runs shows it (checked against the example file\'s layers)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-freed-'));
    const ledger = join(dir, 'ledger');
    const example = JSON.parse(await readFile(EXAMPLE, 'utf8'));
    const account = FakeAccount.fromSnapshot(example);
    expect((await runAt('2026-11-10T00:00:00Z', ['reconcile', '--snapshot', EXAMPLE, '--config', CONFIG, '--ledger', ledger])).code).toBe(0);
    expect((await runAt('2026-11-19T00:00:00Z', ['reconcile', '--snapshot', await pictureAt(EXAMPLE, '2026-11-19T00:00:00Z'), '--config', CONFIG, '--ledger', ledger])).code).toBe(0);
    const swept = await runAt('2026-11-19T01:00:00Z', ['sweep', '--ledger', ledger, '--config', CONFIG, '-o', 'json'], { account });
    expect(swept.code).toBe(0);
    const report = swept.json();
    expect(report.totals.images).toBeGreaterThan(0);
    // The oracle: the example file's layers, the images the run would delete gone, the others staying.
    const all = example.ecr.repositories.flatMap((r: { repositoryName: string; images: Array<{ imageDigest: string; layers?: Array<{ digest: string; size: number }>; imageManifest?: string }> }) =>
      r.images.map((i) => ({ key: `${r.repositoryName}@${i.imageDigest}`, layers: i.layers ?? JSON.parse(i.imageManifest ?? '{}').layers ?? [] })));
    const going = new Set(report.images.map((i: { repositoryName: string; imageDigest: string }) => `${i.repositoryName}@${i.imageDigest}`));
    const kept = new Set(all.filter((i: { key: string }) => !going.has(i.key)).flatMap((i: { layers: Array<{ digest: string }> }) => i.layers.map((l) => l.digest)));
    const freed = new Map<string, number>(all.filter((i: { key: string }) => going.has(i.key)).flatMap((i: { layers: Array<{ digest: string; size: number }> }) => i.layers).filter((l: { digest: string }) => !kept.has(l.digest)).map((l: { digest: string; size: number }) => [l.digest, l.size]));
    const expected = [...freed.values()].reduce((n, size) => n + size, 0);
    expect(expected).toBeGreaterThan(0);
    expect(report.totals.bytesFreed).toBe(expected);
    expect(report.images[0]).not.toHaveProperty('layers');
    const latest = await runAt('2026-11-19T02:00:00Z', ['runs', 'latest', '--ledger', ledger, '-o', 'json']);
    expect(latest.json().bytesFreed).toBe(expected);
    // Per repository: each repository's deleted images' layers that no image left names (here no layer is shared across repositories).
    const byRepository = latest.json().bytesFreedByRepository as Record<string, number>;
    expect(Object.values(byRepository).reduce((n, b) => n + b, 0)).toBe(expected);
    expect(Object.keys(byRepository).sort()).toEqual([...new Set(report.images.filter((i: { action?: string }) => (i.action ?? 'delete') === 'delete').map((i: { repositoryName: string }) => i.repositoryName))].sort());
    const [repository, bytes] = Object.entries(byRepository)[0]!;
    expect((await runAt('2026-11-19T02:00:00Z', ['runs', 'latest', '--ledger', ledger])).out).toContain(`freed in ${repository}: ${formatBytes(bytes)}`);
    expect((await runAt('2026-11-19T02:00:00Z', ['runs', '--ledger', ledger])).out).toContain('freed)');
  });
});
