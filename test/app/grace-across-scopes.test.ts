import { describe, expect, it } from 'vitest';
import { EventContext } from '../../src/app/events/context.js';
import { reconcileLedger } from '../../src/app/reconcile.js';
import { defaultConfig } from '../../src/config.js';
import { imageKey, type AccountFacts } from '../../src/domain/facts.js';
import { parseSnapshot } from '../../src/snapshot/read-snapshot.js';
import { snapshotToFacts } from '../../src/snapshot/to-facts.js';
import { embeddedLedger } from '../fixtures/embedded-ledger.js';
import { A, B, fluentdDigest, REGION, sidecarSnapshots } from '../fixtures/organisation/sidecar-accounts.js';

/**
 * Grace counts from the last use in any scope (issue 20, point 4). The central registry A never runs fluentd itself;
 * member B's app:5 (its service's revision) runs fluentd:eeee. Two ways the end of B's use reaches A's history stamps.
 */
const embedded = embeddedLedger('each');
const REGISTRY = { accountId: A, region: REGION };
const EEEE = imageKey('fluentd', fluentdDigest('eeee'));
const day = (n: number) => new Date(Date.parse('2026-11-10T00:00:00Z') + n * 86_400_000).toISOString();
const facts = (snapshot: object, capturedAt: string): AccountFacts => snapshotToFacts(parseSnapshot({ ...snapshot, capturedAt } as never, 'test'));
const reconcile = (f: AccountFacts) => reconcileLedger({ ledger: embedded.ledger, clock: () => new Date(f.capturedAt) }, { facts: f, config: defaultConfig(), source: 'test' });
/** B with no workloads left: its task definitions deregistered and its service deleted. */
const idle = (b: ReturnType<typeof sidecarSnapshots>['b']) => ({ ...b, ecs: { taskDefinitions: [], services: [] } });
const historyOfEeee = async () => (await embedded.ledger.load(REGISTRY)).history.get(EEEE);

describe('grace counts from the last use in any scope', () => {
  it('the reconcile of the scope whose use ended releases the other registry\'s image then, whichever scope is reconciled first', async () => {
    const { a, b } = sidecarSnapshots();
    await reconcile(facts(a, day(0)));
    await reconcile(facts(b, day(1)));
    // B's use ends before A's reconcile ever saw it: B's own reconcile stamps A's image.
    const result = await reconcile(facts(idle(b), day(2)));
    expect(result.releasedElsewhere).toBeGreaterThan(0);
    expect(await historyOfEeee()).toMatchObject({ unprotectedSince: day(0), releasedAt: day(2) });
    // Reconciling B again with no change releases nothing more.
    expect((await reconcile(facts(idle(b), day(3)))).releasedElsewhere).toBeUndefined();
    expect((await historyOfEeee())?.releasedAt).toBe(day(2));
  });

  it('an event of another scope that ends a use stamps the image in the registry it names', async () => {
    const { a } = sidecarSnapshots();
    await reconcile(facts(a, day(0)));
    const warnings: string[] = [];
    const ctx = new EventContext({ ledger: embedded.ledger.events, config: defaultConfig(), warn: (m) => warnings.push(m) }, { accountId: B, region: REGION }, day(5), 'event-1');
    await ctx.release(`${A}.dkr.ecr.${REGION}.amazonaws.com/fluentd:eeee`);
    expect((await historyOfEeee())?.releasedAt).toBe(day(5));
    await ctx.release(`${A}.dkr.ecr.${REGION}.amazonaws.com/fluentd@${fluentdDigest('dddd')}`, day(6));
    expect((await embedded.ledger.load(REGISTRY)).history.get(imageKey('fluentd', fluentdDigest('dddd')))).toMatchObject({ releasedAt: day(5), protectedUntil: day(6) }); // a protection that ends after the event
    expect(warnings).toEqual([]);
  });
});
