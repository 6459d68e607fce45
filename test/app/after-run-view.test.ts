import { describe, expect, it } from 'vitest';
import { lifecycleCheck } from '../../src/app/lifecycle-check.js';
import { ledgerFactView, ledgerViewByIndex } from '../../src/app/ledger-view.js';
import { planReport } from '../../src/app/plan.js';
import { reconcileLedger } from '../../src/app/reconcile.js';
import { parseConfig, type Config } from '../../src/config.js';
import type { AccountFacts } from '../../src/domain/facts.js';
import { parseSnapshot } from '../../src/snapshot/read-snapshot.js';
import { snapshotToFacts } from '../../src/snapshot/to-facts.js';
import { embeddedLedger } from '../fixtures/embedded-ledger.js';
import { A, REGION, sidecarSnapshots } from '../fixtures/organisation/sidecar-accounts.js';

const embedded = embeddedLedger('all');
const load = (facts: AccountFacts, config: Config) => reconcileLedger({ ledger: embedded.ledger, clock: () => new Date(facts.capturedAt) }, { facts, config, source: 'test' });

/**
 * The deployed sweep's view after a run (for the lifecycle check, the report page and the bytes freed) reads the other
 * scopes through the index — only what references the registry's images — instead of loading each (issue 32). It must
 * judge as the whole-ledger view does.
 */
describe('the after-run view read through the index', () => {
  it('judges every image of the sidecar registry as the whole-ledger view does: the same actions, reasons, referrers, totals and lifecycle findings', async () => {
    const snapshots = sidecarSnapshots();
    const config = parseConfig({ repositories: [{ pattern: '*', keepLatest: 1, olderThanDays: 0, graceDays: 0, keepTags: [], keepPulledWithinDays: 0 }] });
    for (const s of [snapshots.a, snapshots.b, snapshots.c]) await load(snapshotToFacts(parseSnapshot(s)), config);
    const scope = { accountId: A, region: REGION };
    const now = '2026-11-11T00:00:00.000Z';
    const byIndex = await ledgerViewByIndex(embedded.ledger, scope, now);
    const whole = await ledgerFactView(embedded.ledger, scope);
    const judged = (view: typeof whole) => {
      const report = planReport(view, config, now);
      return { images: report.images, totals: report.totals, keptWhole: report.keptWhole };
    };
    const indexed = judged(byIndex);
    expect(indexed.images.length).toBeGreaterThan(0);
    expect(indexed.images.some((i) => i.referrers.some((r) => r.account !== A && r.protecting))).toBe(true); // other accounts' uses count
    expect(indexed).toEqual(judged(whole));
    expect(lifecycleCheck(byIndex, config, now)).toEqual(lifecycleCheck(whole, config, now));
    // Only the other scopes' referrers of these images are read, not their every item.
    const items = (view: typeof whole) => view.others!.scopes.reduce((n, s) => n + s.facts.taskDefinitions.length + s.facts.tasks.length + s.facts.services.length + s.facts.images.length, 0);
    expect(items(byIndex)).toBeLessThanOrEqual(items(whole));
  });
});
