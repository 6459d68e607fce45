import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AwsCaller } from '../../../src/adapters/aws/caller.js';
import { LiveSweepAws } from '../../../src/adapters/aws/sweep-aws.js';
import { DynamoDbLedger } from '../../../src/adapters/dynamodb-ledger.js';
import { startEmbeddedDynamoDb } from '../../../src/adapters/embedded-dynamodb.js';
import { reconcileFromAws } from '../../../src/app/live.js';
import { announceDeletions } from '../../../src/app/notice.js';
import { pinImage, unpinImage } from '../../../src/app/pins.js';
import { sweep } from '../../../src/app/sweep/sweep.js';
import { parseConfig } from '../../../src/config.js';
import { imageKey } from '../../../src/domain/facts.js';
import { RefusedError } from '../../../src/errors.js';
import { HOST, World } from '../../fixtures/events/world.js';

/**
 * Time as protection, as a property (issues 24 and 29): for random interleavings of pushes, deletes and re-pushes of
 * deleted digests, task starts and stops (ECS forgetting stopped tasks), pins and unpins, pulls, notices, reconciles
 * and the passing of time — with STOPPED and DELETE events delivered at once, late, twice or never — the sweep never
 * deletes an image inside the protection the config promises, and never before the `deletableFrom` of its
 * announcement. The oracle is the truth the test keeps of what really happened (which task ran which digest from when
 * to when, pins, pulls, pushes), never the ledger or `explain`, which read the same record the sweep does.
 */
const SCOPE = { accountId: '123456789012', region: 'us-east-1' };
const TAGS = ['v1', 'v2', 'v3'];

const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });
const opArb = fc.oneof(
  w(2, fc.record({ op: fc.constant('push' as const), tag: fc.constantFrom(...TAGS) })),
  w(3, fc.record({ op: fc.constant('run' as const), tag: fc.constantFrom(...TAGS) })),
  w(3, fc.record({ op: fc.constant('stop' as const), task: fc.nat(2), delivery: fc.constantFrom('now', 'now', 'late', 'twice', 'lost') })),
  w(1, fc.record({ op: fc.constant('deliver' as const) })),
  w(1, fc.record({ op: fc.constant('repush' as const), tag: fc.constantFrom(...TAGS), delete: fc.constantFrom('lost', 'late') })),
  w(2, fc.record({ op: fc.constant('forget' as const) })),
  w(1, fc.record({ op: fc.constant('delete' as const), tag: fc.constantFrom(...TAGS), delivery: fc.constantFrom('now', 'late', 'lost') })),
  w(1, fc.record({ op: fc.constant('pin' as const), tag: fc.constantFrom(...TAGS), hours: fc.option(fc.integer({ min: 1, max: 48 }), { nil: undefined }) })),
  w(1, fc.record({ op: fc.constant('unpin' as const), tag: fc.constantFrom(...TAGS) })),
  w(1, fc.record({ op: fc.constant('pull' as const), tag: fc.constantFrom(...TAGS) })),
  w(2, fc.record({ op: fc.constant('notice' as const) })),
  w(1, fc.record({ op: fc.constant('reconcile' as const) })),
  w(3, fc.record({ op: fc.constant('tick' as const), hours: fc.integer({ min: 1, max: 40 }) })),
  w(3, fc.record({ op: fc.constant('sweep' as const) })),
);
const scenarioArb = fc.record({
  graceDays: fc.integer({ min: 0, max: 2 }), keepPulledWithinDays: fc.constantFrom(0, 1), notice: fc.boolean(),
  ops: fc.array(opArb, { minLength: 4, maxLength: 24 }),
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

const HOUR = 3_600_000;
const RETENTION_HOURS = 24; // ecs.stoppedTaskRetentionHours, the default

/** What really happened, kept by the test: the oracle. */
class Truth {
  readonly runs: Array<{ task: string; digest: string; from: number; to?: number }> = [];
  readonly pins = new Map<string, Array<{ from: number; to?: number }>>();
  readonly pushedAt = new Map<string, number>();
  readonly pulledAt = new Map<string, number>();

  /** Why deleting `digest` at `at` breaks a promise of the config, or undefined when none. */
  broken(digest: string, at: number, o: { graceDays: number; keepPulledWithinDays: number }): string | undefined {
    const grace = o.graceDays * 24 * HOUR;
    for (const run of this.runs.filter((r) => r.digest === digest)) {
      if (run.to === undefined) return `task ${run.task} runs it`;
      if (at < run.to + RETENTION_HOURS * HOUR + grace) return `task ${run.task} stopped at ${new Date(run.to).toISOString()}: within stoppedTaskRetentionHours + graceDays`;
    }
    for (const pin of this.pins.get(digest) ?? []) {
      if (pin.to === undefined || at < pin.to) return 'pinned';
      if (at < pin.to + grace) return `its pin ended at ${new Date(pin.to).toISOString()}: within graceDays`;
    }
    const pushed = this.pushedAt.get(digest);
    if (pushed !== undefined && at < pushed + grace) return `pushed at ${new Date(pushed).toISOString()}: within graceDays`;
    const pulled = this.pulledAt.get(digest);
    if (o.keepPulledWithinDays > 0 && pulled !== undefined && at < pulled + o.keepPulledWithinDays * 24 * HOUR) return 'pulled within keepPulledWithinDays';
    return undefined;
  }
}

async function play(s: Scenario): Promise<{ violations: string[]; deleted: number }> {
  const config = parseConfig({
    repositories: [{ pattern: '*', keepLatest: 0, olderThanDays: 0, graceDays: s.graceDays, keepTags: [], keepPulledWithinDays: s.keepPulledWithinDays }],
    sweep: { minimumImageAgeHours: 0, maxLedgerAgeHours: 10_000 }, ...(s.notice && { notice: { daysAhead: 1 } }),
  });
  const engine = await startEmbeddedDynamoDb();
  const ledger = new DynamoDbLedger(engine.client, engine.tableName);
  const world = new World(ledger);
  const truth = new Truth();
  const violations: string[] = [];
  let deleted = 0;
  const tasks: Array<{ id: string; family: string; running: boolean }> = [];
  const late: unknown[] = []; // events EventBridge has not delivered yet
  const now = () => new Date(world.now);
  const digestOf = (tag: string) => world.account.ecr.digestOf('app', tag);
  const reconcile = () => reconcileFromAws({ ledger, reader: world.account.reader({ config, clock: now }), clock: now }, config);
  const push = async (tag: string) => { const digest = await world.push('app', tag); truth.pushedAt.set(digest, Date.parse(world.now)); };
  const deleteEvent = (digest: string, tag: string) => ({ version: '0', id: `del-${world.now}-${tag}`, 'detail-type': 'ECR Image Action', source: 'aws.ecr', account: SCOPE.accountId, time: world.now, region: SCOPE.region, resources: [], detail: { result: 'SUCCESS', 'repository-name': 'app', 'image-digest': digest, 'action-type': 'DELETE' } });
  try {
    await push('v1');
    await reconcile();
    for (const step of s.ops) {
      const held = async () => (await ledger.load(SCOPE)).facts;
      switch (step.op) {
        case 'push': await push(step.tag); break;
        case 'run': {
          const digest = digestOf(step.tag);
          if (!digest) break;
          const family = `job${tasks.length}`;
          await world.register(family, 1, { main: `${HOST}/app:${step.tag}` });
          await world.task(family, family, 1, 'RUNNING');
          truth.runs.push({ task: family, digest, from: Date.parse(world.now) });
          // A newer revision (of another image) leaves only the task to protect this one's image.
          await world.register(family, 2, { main: 'public.ecr.aws/docker/library/busybox:1' });
          tasks.push({ id: family, family, running: true });
          break;
        }
        case 'stop': {
          const task = tasks.filter((t) => t.running)[step.task];
          if (!task) break;
          const event = await world.task(task.id, task.family, 1, 'STOPPED', undefined, { held: step.delivery !== 'now' });
          if (step.delivery === 'late') late.push(event);
          if (step.delivery === 'twice') { await world.deliver(event); late.push(event); }
          truth.runs.find((r) => r.task === task.id)!.to = Date.parse(world.now);
          task.running = false;
          break;
        }
        case 'deliver': // EventBridge delivers what it held back, newest first (reordered)
          for (const event of late.splice(0).reverse()) await world.deliver(event);
          break;
        case 'forget': { // ECS no longer lists the stopped tasks
          const cluster = world.account.ecs.clusters.get(world.account.ecs.clusterArn('prod'));
          for (const [arn, task] of cluster?.tasks ?? []) if (task.lastStatus === 'STOPPED') cluster!.tasks.delete(arn);
          break;
        }
        case 'delete': {
          const digest = digestOf(step.tag);
          if (!digest) break;
          world.account.ecr.removeImage('app', digest);
          const event = deleteEvent(digest, step.tag);
          if (step.delivery === 'now') await world.deliver(event);
          if (step.delivery === 'late') late.push(event);
          break;
        }
        case 'repush': { // deleted (its DELETE late or lost) and the same digest pushed again
          const digest = digestOf(step.tag);
          if (!digest) break;
          world.account.ecr.removeImage('app', digest);
          if (step.delete === 'late') late.push(deleteEvent(digest, step.tag));
          world.tick(1);
          await push(step.tag);
          break;
        }
        case 'pin': {
          const facts = await held();
          const digest = digestOf(step.tag);
          if (!digest || !facts.images.some((i) => i.imageDigest === digest)) break;
          const expiresAt = step.hours === undefined ? undefined : now().getTime() + step.hours * HOUR;
          await pinImage({ ledger, clock: now }, facts, `app@${digest}`, 'property', expiresAt === undefined ? undefined : new Date(expiresAt).toISOString());
          truth.pins.set(digest, [...(truth.pins.get(digest) ?? []), { from: Date.parse(world.now), ...(expiresAt !== undefined && { to: expiresAt }) }]);
          break;
        }
        case 'unpin': {
          const facts = await held();
          const digest = digestOf(step.tag);
          if (!digest || !facts.pins.some((p) => p.imageDigest === digest)) break;
          await unpinImage({ ledger, clock: now }, facts, `app@${digest}`);
          for (const pin of truth.pins.get(digest) ?? []) if (pin.to === undefined || pin.to > Date.parse(world.now)) pin.to = Date.parse(world.now);
          break;
        }
        case 'pull': {
          const digest = digestOf(step.tag) ?? '';
          const image = (world.account.ecr as unknown as { repositories: Map<string, { images: Map<string, { detail: { lastRecordedPullTime?: Date } }> }> }).repositories.get('app')?.images.get(digest);
          if (image) { image.detail.lastRecordedPullTime = now(); truth.pulledAt.set(digest, Date.parse(world.now)); }
          break;
        }
        case 'notice':
          if (s.notice) {
            await announceDeletions({ store: ledger.sweep, announcements: ledger.announcements, config, clock: now, index: ledger.usageIndex(), deliver: async () => [{ channel: 'test', ok: true }] }, SCOPE, { ledgerFlag: '--ledger x' })
              .catch((error: unknown) => { if (!(error instanceof RefusedError)) throw error; }); // a stale ledger announces nothing
          }
          break;
        case 'reconcile': await reconcile(); break;
        case 'tick': world.tick(step.hours); break;
        case 'sweep': {
          const at = now().toISOString();
          const announced = await ledger.announcements.announcements(SCOPE, (await held()).images);
          const aws = new LiveSweepAws(world.account.clients(), new AwsCaller({ sleep: async () => undefined }), SCOPE, config, now);
          const report = await sweep({ store: ledger.sweep, events: ledger.events, announcements: ledger.announcements, aws, config, clock: now, index: ledger.usageIndex() }, SCOPE, { dryRun: false, runId: `run-${at}` });
          for (const image of report.images) {
            deleted += 1;
            const key = imageKey(image.repositoryName, image.imageDigest);
            const broken = truth.broken(image.imageDigest, Date.parse(at), s);
            if (broken) violations.push(`${key} deleted at ${at}: ${broken}`);
            const announcement = announced.get(key);
            if (s.notice && (!announcement || at < announcement.deletableFrom)) violations.push(`${key} deleted at ${at} before its announced deletableFrom ${announcement?.deletableFrom ?? '(none)'}`);
          }
          break;
        }
      }
    }
  } finally {
    await engine.close();
  }
  return { violations, deleted };
}

describe('time as protection, over random event orders and clocks', () => {
  it('the sweep never deletes inside the protection the config promises (judged by what happened), nor before the announced time', async () => {
    let deleted = 0;
    await fc.assert(fc.asyncProperty(scenarioArb, async (s) => {
      const played = await play(s);
      deleted += played.deleted;
      expect(played.violations).toEqual([]);
    }), {
      numRuns: 80,
      // Seen to matter, kept as examples: a task stopped and forgotten by ECS before the sweep (graceDays 0); the same
      // with its STOPPED event lost after a reconcile read it stopped (issue 29, point 1); a digest deleted and pushed
      // again, its DELETE lost (issue 29, point 2).
      examples: [
        [{ graceDays: 0, keepPulledWithinDays: 0, notice: false, ops: [{ op: 'run', tag: 'v1' }, { op: 'tick', hours: 1 }, { op: 'stop', task: 0, delivery: 'now' }, { op: 'forget' }, { op: 'tick', hours: 2 }, { op: 'sweep' }] }],
        [{ graceDays: 0, keepPulledWithinDays: 0, notice: false, ops: [{ op: 'run', tag: 'v1' }, { op: 'tick', hours: 1 }, { op: 'stop', task: 0, delivery: 'lost' }, { op: 'reconcile' }, { op: 'forget' }, { op: 'tick', hours: 2 }, { op: 'reconcile' }, { op: 'sweep' }] }],
        [{ graceDays: 1, keepPulledWithinDays: 0, notice: false, ops: [{ op: 'tick', hours: 40 }, { op: 'reconcile' }, { op: 'repush', tag: 'v1', delete: 'lost' }, { op: 'tick', hours: 1 }, { op: 'sweep' }] }],
        // A digest ECR still holds pushed again (its PUSH event is the only news): grace restarts at that push (found in CI).
        [{ graceDays: 1, keepPulledWithinDays: 0, notice: false, ops: [{ op: 'tick', hours: 24 }, { op: 'push', tag: 'v1' }, { op: 'sweep' }] }],
      ],
    });
    expect(deleted).toBeGreaterThan(0); // the property is not vacuous
  }, 240_000);
});
