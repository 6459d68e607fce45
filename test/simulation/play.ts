import type { DynamoDbLedger } from '../../src/adapters/dynamodb-ledger.js';
import { startEmbeddedDynamoDb } from '../../src/adapters/embedded-dynamodb.js';
import { readLiveFacts, reconcileFromAws } from '../../src/app/live.js';
import { reconcileLedger } from '../../src/app/reconcile.js';
import { announceDeletions } from '../../src/app/notice.js';
import { pinImage, unpinImage } from '../../src/app/pins.js';
import type { Config } from '../../src/config.js';
import { AwsReadError, RefusedError } from '../../src/errors.js';
import { ecrStep, isEcrOp } from './ecr-steps.js';
import { ecsStep, isEcsOp } from './ecs-steps.js';
import { isLambdaOp, lambdaStep } from './lambda-steps.js';
import { judgeLiveness } from './oracle.js';
import { isReportOp, reportStep } from './report-steps.js';
import { isServiceOp, serviceStep } from './service-steps.js';
import { Sim } from './sim.js';
import { purgeNow, raceSweep, sweepNow } from './sweep-steps.js';
import type { Op, Timeline } from './timeline.js';
import { configOf, HOUR, REPO, SCOPE, type Played } from './world.js';

export { configOf, type Played };

/**
 * Plays a timeline: the product's real code (event application, live reconcile, sweep, pins, restore, outside
 * deletions, organisation-wide reads of a member account, Lambda functions, usage reports) against the project's fake accounts, events delivered as
 * the timeline says, the truth kept apart. After every sweep, restore and delivered deletion the oracle checks what
 * really happened.
 */
export async function play(t: Timeline, o: { inspect?: (ledger: DynamoDbLedger, config: Config, now: string, kept: readonly string[]) => Promise<void> } = {}): Promise<Played> {
  const engine = await startEmbeddedDynamoDb();
  const sim = new Sim(t, engine);
  try {
    for (const op of t.ops) await step(sim, op);
    const liveness = judgeLiveness({ truth: sim.truth, promises: sim.promises, ecr: sim.snapshot(), end: sim.nowMs(), keepsArchived: t.setting.action === 'archive' && t.setting.deleteArchivedAfterDays === undefined, cappedAt: sim.lastCapped });
    await o.inspect?.(sim.ledger, sim.config, sim.iso(), liveness.kept);
    return { violations: sim.violations, liveness, stats: sim.stats };
  } finally {
    await engine.close();
  }
}

async function step(sim: Sim, o: Op): Promise<void> {
  if (isEcrOp(o)) return ecrStep(sim, o);
  if (isEcsOp(o)) return ecsStep(sim, o);
  if (isLambdaOp(o)) return lambdaStep(sim, o);
  if (isReportOp(o)) return reportStep(sim, o);
  if (isServiceOp(o)) return serviceStep(sim, o);
  const { ledger, config, truth } = sim;
  switch (o.op) {
    case 'pin': case 'unpin': {
      const d = sim.tagged(o.tag);
      const facts = (await ledger.load(SCOPE)).facts;
      if (!d || !facts.images.some((i) => i.imageDigest === d)) break;
      const now = sim.nowMs();
      const endPins = () => { for (const pin of truth.pins.get(d) ?? []) if (pin.to === undefined || pin.to > now) pin.to = now; };
      if (o.op === 'pin') {
        const until = o.hours === undefined ? undefined : now + o.hours * HOUR;
        await pinImage({ ledger, clock: sim.now }, facts, `${REPO}@${d}`, 'simulation', until === undefined ? undefined : new Date(until).toISOString());
        endPins(); // one pin per reason: a new pin with the same reason replaces the one held (its protection ends now)
        truth.pins.set(d, [...(truth.pins.get(d) ?? []), { from: now, ...(until !== undefined && { to: until }) }]);
      } else if (facts.pins.some((p) => p.imageDigest === d)) {
        await unpinImage({ ledger, clock: sim.now }, facts, `${REPO}@${d}`);
        endPins();
      }
      break;
    }
    case 'deliver': await sim.bus.deliverHeld(); break;
    case 'notice': {
      if (!config.notice) break;
      try {
        const { notice } = await announceDeletions({
          store: ledger.sweep, announcements: ledger.announcements, config, clock: sim.now, index: ledger.usageIndex(), deliver: async () => [{ channel: 'simulation', ok: true }],
          ...(sim.organization && { members: sim.organization }),
        }, SCOPE, { ledgerFlag: '--ledger sim' });
        for (const image of notice.repositories.flatMap((r) => r.images)) truth.promised.set(image.imageDigest, Date.parse(notice.deletableFrom));
      } catch (error) {
        if (!(error instanceof RefusedError)) throw error; // a stale ledger announces nothing
      }
      break;
    }
    case 'reconcile': {
      // Each scope on its own, as the deployed organisation reconcile does: one that cannot be read keeps its watermark.
      const scopes = sim.scopes().filter((s, i) => o.only === undefined || (o.only === 'registry') === (i === 0));
      for (const scope of scopes) {
        try {
          await reconcileFromAws({ ledger, reader: await sim.readerOf(scope), clock: sim.now, deletions: sim.deletions }, config);
          truth.heardAll(scope.accountId);
          if (scope.accountId === SCOPE.accountId && scope.region === SCOPE.region) truth.sawPulls();
        } catch (error) {
          if (!(error instanceof AwsReadError)) throw error;
        }
      }
      break;
    }
    case 'capture': sim.captured = (await readLiveFacts(await sim.readerOf(SCOPE))).facts; break;
    case 'loadSnapshot': {
      // As `reconcile --snapshot` loads it; the uses it saw were seen at its capture, not now: none is taken as heard.
      if (!sim.captured) break;
      await reconcileLedger({ ledger, clock: sim.now, deletions: sim.deletions }, { facts: sim.captured, config, source: 'snapshot (simulation)' });
      break;
    }
    case 'memberDown': case 'memberUp': {
      const member = o.second ? sim.second : sim.member;
      if (member) member.down = o.op === 'memberDown';
      break;
    }
    case 'sweep': await sweepNow(sim, [], o.fault); break;
    case 'raceSweep': await raceSweep(sim, o.delivery); break;
    case 'purge': await purgeNow(sim); break;
  }
}
