import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/domain/bytes.js';
import { runAt } from '../support/cli.js';
import { pictureAt } from '../support/picture.js';
import { FakeAccount } from '../fakes/fake-account.js';
import { launchChromium } from '../support/browser.js';

const EXAMPLE = 'examples/account.json';
const CONFIG = 'examples/config.yaml';

const cli = (argv: string[], at: string, account?: FakeAccount) => runAt(at, argv, { ...(account && { account }) });

describe('the HTML report in a real browser (headless Chromium)', () => {
  let browser: Browser;
  beforeAll(async () => { browser = await launchChromium(); });
  afterAll(async () => { await browser?.close(); });

  it('shows the example account\'s repositories with the plan\'s figures, its deletions over time, and answers who uses fluentd:bbbb', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-report-'));
    const ledger = join(dir, 'ledger');
    const account = FakeAccount.fromSnapshot(JSON.parse(await readFile(EXAMPLE, 'utf8')));
    // The sweep's cap leaves part of the plan for later, so the report has deletions done and deletions scheduled.
    const capped = join(dir, 'config.yaml');
    await writeFile(capped, (await readFile(CONFIG, 'utf8')).replace('maxDeletionsPerRun: 500', 'maxDeletionsPerRun: 10'));
    // A ledger with history: reconcile, a real sweep against the fake account (its deletions feed the chart), then the report.
    expect((await cli(['reconcile', '--snapshot', EXAMPLE, '--config', CONFIG, '--ledger', ledger], '2026-11-10T00:00:00Z')).code).toBe(0);
    expect((await cli(['reconcile', '--snapshot', await pictureAt(EXAMPLE, '2026-11-19T00:00:00Z'), '--config', CONFIG, '--ledger', ledger], '2026-11-19T00:00:00Z')).code).toBe(0); // the night's read
    const swept = await cli(['sweep', '--ledger', ledger, '--config', capped, '--force', '--output', 'json'], '2026-11-19T01:00:00Z', account);
    expect(swept.code).toBe(0);
    expect(swept.json().totals.images).toBe(10);
    const now = ['--now', '2026-11-30T00:00:00Z'];
    const plan = (await cli(['plan', '--ledger', ledger, '--config', CONFIG, ...now, '--output', 'json'], '2026-11-30T00:00:00Z')).json();
    const out = join(dir, 'report');
    const written = await cli(['report', '--ledger', ledger, '--config', CONFIG, ...now, '--out', out], '2026-11-30T00:00:00Z');
    expect(written.code).toBe(0);

    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => { if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) problems.push(`external request: ${r.url()}`); });
    await page.goto(pathToFileURL(resolve(out, 'index.html')).href);

    const rows = await page.$$eval('#repositories tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent!.trim())));
    expect(rows.map((r) => [r[0], Number(r[1]), Number(r[4])])).toEqual(plan.repositories.map((r: { repositoryName: string; images: number; toDelete: number }) => [r.repositoryName, r.images, r.toDelete]));
    expect(await page.textContent('#total-to-delete')).toBe(String(plan.totals.toDelete));
    // What the deletions free (layers no remaining image names), beside the images' sizes summed (issue 35).
    expect(plan.totals.bytesFreed).toBeGreaterThan(0);
    expect(plan.totals.bytesFreed).toBeLessThan(plan.totals.bytesToDelete);
    expect(rows.map((r) => r[6])).toEqual(plan.repositories.map((r: { bytesFreed?: number }) => (r.bytesFreed === undefined ? '?' : formatBytes(r.bytesFreed))));
    expect(await page.textContent('#freed')).toContain(`frees ${formatBytes(plan.totals.bytesFreed)} (layers no remaining image names; ${formatBytes(plan.totals.bytesToDelete)} summed)`);
    expect(plan.totals.toDelete).toBeGreaterThan(0);
    expect(await page.$$eval('#scheduled tbody tr', (trs) => trs.length)).toBe(plan.totals.toDelete);
    expect(await page.$$eval('#storage-chart rect.deleted', (rects) => rects.length)).toBe(1);

    await page.fill('#who-uses-query', 'fluentd:bbbb');
    const answer = await page.textContent('#who-uses-result');
    expect(answer).toContain('middleware:2');
    expect(answer).toMatch(/protects ecs-task-definition arn:aws:ecs:us-east-1:123456789012:task-definition\/middleware:2/);
    await page.fill('#who-uses-query', 'fluentd:nope');
    expect(await page.textContent('#who-uses-result')).toContain('No image in this report matches');
    await page.fill('#who-uses-query', 'fluentd:bbbb');

    const shot = process.env.UPDATE_SCREENSHOT ? 'docs/report.png' : join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: false });
    expect((await stat(shot)).size).toBeGreaterThan(10_000);
    expect(problems).toEqual([]);
    await page.close();

    // The money is at the config's price (issue 35): another standard price, another figure and its note.
    const priced = join(dir, 'priced.yaml');
    await writeFile(priced, `${await readFile(CONFIG, 'utf8')}\npricing:\n  standardUsdPerGbMonth: 0.2\n`);
    const out2 = join(dir, 'report-priced');
    expect((await cli(['report', '--ledger', ledger, '--config', priced, ...now, '--out', out2], '2026-11-30T00:00:00Z')).code).toBe(0);
    const html = await readFile(join(out2, 'index.html'), 'utf8');
    expect(html).toContain('USD/month at $0.20 per GB-month (config pricing)');
    expect(await readFile(join(out, 'index.html'), 'utf8')).toContain('USD/month at $0.10 per GB-month (config pricing)');
  });

  it('escapes what it shows: a tag that looks like markup stays text', async () => {
    const snapshot = JSON.parse(await readFile(EXAMPLE, 'utf8'));
    snapshot.ecr.repositories[0].images[0].imageTags = ['<img src=x onerror=alert(1)>'];
    const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-report-'));
    await writeFile(join(dir, 'account.json'), JSON.stringify(snapshot));
    expect((await cli(['report', '--snapshot', join(dir, 'account.json'), '--out', join(dir, 'out'), '--now', '2026-11-30T00:00:00Z'], '2026-11-30T00:00:00Z')).code).toBe(0);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('dialog', (d) => { errors.push(`dialog: ${d.message()}`); void d.dismiss(); });
    await page.goto(pathToFileURL(resolve(dir, 'out', 'index.html')).href);
    await page.fill('#who-uses-query', 'fluentd');
    expect(await page.textContent('#who-uses-result')).toContain('<img src=x onerror=alert(1)>');
    expect(await page.$$('#who-uses-result img')).toHaveLength(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
