import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AwsCaller } from '../../../src/adapters/aws/caller.js';
import { LiveSweepAws } from '../../../src/adapters/aws/sweep-aws.js';
import { DynamoDbLedger } from '../../../src/adapters/dynamodb-ledger.js';
import { startEmbeddedDynamoDb } from '../../../src/adapters/embedded-dynamodb.js';
import { explainFromIndex } from '../../../src/app/explain-index.js';
import { reconcileFromAws } from '../../../src/app/live.js';
import { announceDeletions } from '../../../src/app/notice.js';
import { pinImage, unpinImage } from '../../../src/app/pins.js';
import { sweep } from '../../../src/app/sweep/sweep.js';
import { parseConfig } from '../../../src/config.js';
import { imageKey } from '../../../src/domain/facts.js';
import { RefusedError } from '../../../src/errors.js';
import { HOST, World } from '../../fixtures/events/world.js';

/**
 * Time as protection, as a property (issue 24): for random interleavings of pushes, deletes, task starts and stops
 * (ECS forgetting stopped tasks after an hour), pins and unpins, pulls, notices, reconciles and the passing of time,
 * the sweep never deletes an image that `explain` at the same instant keeps, and never before the `deletableFrom` of
 * its announcement.
 */
const SCOPE = { accountId: '123456789012', region: 'us-east-1' };
const TAGS = ['v1', 'v2', 'v3'];

const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });
const opArb = fc.oneof(
  w(2, fc.record({ op: fc.constant('push' as const), tag: fc.constantFrom(...TAGS) })),
  w(3, fc.record({ op: fc.constant('run' as const), tag: fc.constantFrom(...TAGS) })),
  w(3, fc.record({ op: fc.constant('stop' as const), task: fc.nat(2) })),
  w(2, fc.record({ op: fc.constant('forget' as const) })),
  w(1, fc.record({ op: fc.constant('delete' as const), tag: fc.constantFrom(...TAGS) })),
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

async function play(s: Scenario): Promise<{ violations: string[]; deleted: number }> {
  const config = parseConfig({
    repositories: [{ pattern: '*', keepLatest: 0, olderThanDays: 0, graceDays: s.graceDays, keepTags: [], keepPulledWithinDays: s.keepPulledWithinDays }],
    sweep: { minimumImageAgeHours: 0, maxLedgerAgeHours: 10_000 }, ...(s.notice && { notice: { daysAhead: 1 } }),
  });
  const engine = await startEmbeddedDynamoDb();
  const ledger = new DynamoDbLedger(engine.client, engine.tableName);
  const world = new World(ledger);
  const violations: string[] = [];
  let deleted = 0;
  const tasks: Array<{ id: string; family: string; running: boolean }> = [];
  const now = () => new Date(world.now);
  const digestOf = (tag: string) => world.account.ecr.digestOf('app', tag);
  const reconcile = () => reconcileFromAws({ ledger, reader: world.account.reader({ config, clock: now }), clock: now }, config);
  try {
    await world.push('app', 'v1');
    await reconcile();
    for (const step of s.ops) {
      const held = async () => (await ledger.load(SCOPE)).facts;
      switch (step.op) {
        case 'push': await world.push('app', step.tag); break;
        case 'run': {
          if (!digestOf(step.tag)) break;
          const family = `job${tasks.length}`;
          await world.register(family, 1, { main: `${HOST}/app:${step.tag}` });
          await world.task(family, family, 1, 'RUNNING');
          // A newer revision (of another image) leaves only the task to protect this one's image.
          await world.register(family, 2, { main: 'public.ecr.aws/docker/library/busybox:1' });
          tasks.push({ id: family, family, running: true });
          break;
        }
        case 'stop': {
          const task = tasks.filter((t) => t.running)[step.task];
          if (!task) break;
          await world.task(task.id, task.family, 1, 'STOPPED');
          task.running = false;
          break;
        }
        case 'forget': { // ECS no longer lists the stopped tasks
          const cluster = world.account.ecs.clusters.get(world.account.ecs.clusterArn('prod'));
          for (const [arn, task] of cluster?.tasks ?? []) if (task.lastStatus === 'STOPPED') cluster!.tasks.delete(arn);
          break;
        }
        case 'delete': {
          const digest = digestOf(step.tag);
          if (!digest) break;
          world.account.ecr.removeImage('app', digest);
          await world.deliver({ version: '0', id: `del-${world.now}-${step.tag}`, 'detail-type': 'ECR Image Action', source: 'aws.ecr', account: SCOPE.accountId, time: world.now, region: SCOPE.region, resources: [], detail: { result: 'SUCCESS', 'repository-name': 'app', 'image-digest': digest, 'action-type': 'DELETE' } });
          break;
        }
        case 'pin': {
          const facts = await held();
          if (!digestOf(step.tag) || !facts.images.some((i) => i.imageDigest === digestOf(step.tag))) break;
          await pinImage({ ledger, clock: now }, facts, `app@${digestOf(step.tag)}`, 'property', step.hours === undefined ? undefined : new Date(now().getTime() + step.hours * 3_600_000).toISOString());
          break;
        }
        case 'unpin': {
          const facts = await held();
          if (facts.pins.some((p) => p.imageDigest === digestOf(step.tag))) await unpinImage({ ledger, clock: now }, facts, `app@${digestOf(step.tag)}`);
          break;
        }
        case 'pull': {
          const image = (world.account.ecr as unknown as { repositories: Map<string, { images: Map<string, { detail: { lastRecordedPullTime?: Date } }> }> }).repositories.get('app')?.images.get(digestOf(step.tag) ?? '');
          if (image) image.detail.lastRecordedPullTime = now();
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
          // What explain says of every image the ledger holds, at this instant, before the sweep acts.
          const facts = await held();
          const explained = new Map<string, string>();
          for (const image of facts.images) {
            for (const e of await explainFromIndex(ledger.usageIndex(), `${HOST}/app@${image.imageDigest}`, SCOPE, config, at)) explained.set(imageKey(e.image.repositoryName, e.image.imageDigest), e.action);
          }
          const announced = await ledger.announcements.announcements(SCOPE, facts.images);
          const aws = new LiveSweepAws(world.account.clients(), new AwsCaller({ sleep: async () => undefined }), SCOPE, config, now);
          const report = await sweep({ store: ledger.sweep, events: ledger.events, announcements: ledger.announcements, aws, config, clock: now, index: ledger.usageIndex() }, SCOPE, { dryRun: false, runId: `run-${at}` });
          for (const image of report.images) {
            deleted += 1;
            const key = imageKey(image.repositoryName, image.imageDigest);
            if (explained.get(key) !== 'delete') violations.push(`${key} deleted at ${at}, explain said ${explained.get(key) ?? 'nothing'}`);
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
  it('the sweep never deletes what explain keeps at the same instant, nor before the announced time', async () => {
    let deleted = 0;
    await fc.assert(fc.asyncProperty(scenarioArb, async (s) => {
      const played = await play(s);
      deleted += played.deleted;
      expect(played.violations).toEqual([]);
    }), {
      numRuns: 80,
      // Seen to matter, kept as examples: a task stopped and forgotten by ECS before the sweep (graceDays 0).
      examples: [[{ graceDays: 0, keepPulledWithinDays: 0, notice: false, ops: [{ op: 'run', tag: 'v1' }, { op: 'tick', hours: 1 }, { op: 'stop', task: 0 }, { op: 'forget' }, { op: 'tick', hours: 2 }, { op: 'sweep' }] }]],
    });
    expect(deleted).toBeGreaterThan(0); // the property is not vacuous
  }, 240_000);
});
