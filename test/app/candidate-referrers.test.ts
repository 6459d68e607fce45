import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { candidatesWithReferrers } from '../../src/app/candidate-referrers.js';
import { loadOtherScopes } from '../../src/app/ledger-view.js';
import { reconcileLedger } from '../../src/app/reconcile.js';
import { parseConfig, type Config } from '../../src/config.js';
import { imageKey, type AccountFacts, type Scope } from '../../src/domain/facts.js';
import { planRetention } from '../../src/domain/retention-policy.js';
import { parseSnapshot } from '../../src/snapshot/read-snapshot.js';
import { snapshotToFacts } from '../../src/snapshot/to-facts.js';
import { NOW } from '../fixtures/account-builder.js';
import { embeddedLedger } from '../fixtures/embedded-ledger.js';
import { A, REGION, sidecarSnapshots } from '../fixtures/organisation/sidecar-accounts.js';
import { accountArb, build } from '../fixtures/random-account.js';

const embedded = embeddedLedger('all');
const load = (facts: AccountFacts, config: Config) => reconcileLedger({ ledger: embedded.ledger, clock: () => new Date(facts.capturedAt) }, { facts, config, source: 'test' });
/** keepLatest 0: the sweep index holds only the candidates, so the newest-N rule would rank among fewer images (keeping more). */
const rules = { repositories: [{ pattern: '*', keepLatest: 0, olderThanDays: 0, graceDays: 0, keepTags: [], keepPulledWithinDays: 0 }] };

/**
 * Every candidate of the sweep index, judged over the index and its referrers read by reference (what the advance
 * notice plans with), against the same images judged over the whole ledger: the same action and the same referrers.
 */
async function compareCandidates(scope: Scope, now: string, config: Config): Promise<number> {
  const view = await embedded.ledger.sweep.sweepView(scope);
  const indexed = await candidatesWithReferrers(embedded.ledger.usageIndex(), view, now);
  const byIndex = planRetention(indexed.facts, view.history, { config, now, historySource: 'ledger', others: indexed.others });
  const whole = await embedded.ledger.load(scope);
  const others = (await loadOtherScopes(embedded.ledger, scope)).scopes.map((s) => s.facts);
  const byWhole = new Map(planRetention(whole.facts, whole.history, { config, now, historySource: 'ledger', others }).images.map((p) => [imageKey(p.image.repositoryName, p.image.imageDigest), p]));
  for (const planned of byIndex.images) {
    const key = imageKey(planned.image.repositoryName, planned.image.imageDigest);
    const reference = byWhole.get(key)!;
    expect(planned.action, key).toBe(reference.action);
    expect(planned.referrers.map((r) => [r.kind, r.id, r.protecting]), key).toEqual(reference.referrers.map((r) => [r.kind, r.id, r.protecting]));
  }
  return byIndex.images.length;
}

describe('the candidates and their referrers read by reference judge as the whole ledger does', () => {
  it('across accounts: the sidecar registry in A, used by tag from B and C', async () => {
    const snapshots = sidecarSnapshots();
    const config = parseConfig(rules);
    for (const s of [snapshots.a, snapshots.b, snapshots.c]) await load(snapshotToFacts(parseSnapshot(s)), config);
    expect(await compareCandidates({ accountId: A, region: REGION }, '2026-11-11T00:00:00.000Z', config)).toBeGreaterThan(0);
  });

  it('on random accounts (indexes, subjects, families, services, tasks, Lambda, pins)', async () => {
    let n = 0;
    await fc.assert(fc.asyncProperty(accountArb, async (g) => {
      n += 1;
      const scope = { accountId: String(300000000000 + n), region: 'us-east-1' };
      const config = parseConfig({ ...rules, ecs: g.ecs });
      await load({ ...build(g), scope }, config);
      await compareCandidates(scope, NOW, config);
    }), { numRuns: 12 });
  });
});
