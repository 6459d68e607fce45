import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAt } from '../support/cli.js';

/** `plan` says what is waiting (issue 22, point 4): a first plan that deletes nothing does not look broken. */
const EXAMPLE = 'examples/account.json';
const CONFIG = 'examples/config.yaml';

describe('plan: images that wait only for time', () => {
  it('names how many wait for what and when the first becomes eligible; the plan at that moment deletes it', async () => {
    const ledger = join(await mkdtemp(join(tmpdir(), 'ecr-ledger-waiting-')), 'ledger');
    expect((await runAt('2026-11-10T06:00:00Z', ['reconcile', '--snapshot', EXAMPLE, '--config', CONFIG, '--ledger', ledger, '--now', '2026-11-10T06:00:00Z'])).code).toBe(0);
    const text = await runAt('2026-11-12T00:00:00Z', ['plan', '--ledger', ledger, '--config', CONFIG, '--now', '2026-11-12T00:00:00Z']);
    expect(text.out).toContain('Nothing would be deleted.');
    expect(text.out).toMatch(/^\d+ image\(s\) wait for graceDays \(first eligible 2026-11-13\)$/m);
    const json = (await runAt('2026-11-12T00:00:00Z', ['plan', '--ledger', ledger, '--config', CONFIG, '--now', '2026-11-12T00:00:00Z', '--output', 'json'])).json();
    const [first] = json.waiting;
    expect(first).toMatchObject({ repositoryName: 'preview/frontend', eligibleAt: '2026-11-13T06:00:00.000Z', for: ['graceDays'], reason: expect.stringContaining('less than graceDays (3)') });
    // Kept for a reason that does not pass with time (in use, keepLatest) is not waiting.
    const kept = json.images.filter((i: { action: string }) => i.action === 'keep').length;
    expect(json.waiting.length).toBeLessThan(kept);
    const then = (await runAt('2026-11-13T06:00:00Z', ['plan', '--ledger', ledger, '--config', CONFIG, '--now', first.eligibleAt, '--output', 'json'])).json();
    expect(then.images.find((i: { imageDigest: string }) => i.imageDigest === first.imageDigest).action).toBe('delete');
  });
});
