import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbLedger } from '../../../src/adapters/dynamodb-ledger.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../../src/adapters/embedded-dynamodb.js';
import { readLiveFacts } from '../../../src/app/live.js';
import { planReport, type FactView } from '../../../src/app/plan.js';
import { parseConfig } from '../../../src/config.js';
import { HOST, World } from '../../fixtures/events/world.js';

const SCOPE = { accountId: '123456789012', region: 'us-east-1' };
const config = parseConfig({ repositories: [{ pattern: '*', keepLatest: 0, olderThanDays: 0, graceDays: 1, keepTags: [], keepPulledWithinDays: 0 }] });

/** What users see: per image, its tags, the decision, and who refers to it (reasons name dates, which differ by source). */
function seen(view: FactView, now: string) {
  return planReport(view, config, now).images.map((i) => ({
    image: `${i.repositoryName}@${i.imageDigest}`, tags: i.imageTags, action: i.action,
    referrers: [...i.referrers].map((r) => `${r.kind} ${r.id} ${r.protecting}`).sort(),
  }));
}

/** The sidecar case of context.md, driven only by events: push, register, deploy, task start and stop. */
async function sidecarCase(world: World): Promise<void> {
  const tags = ['aaaa', 'bbbb', 'cccc', 'dddd', 'eeee'];
  for (const [i, tag] of tags.entries()) {
    world.tick(24);
    await world.push('fluentd', tag);
    await world.push('fluentd', 'latest', `fluentd-${tag}`); // a tag that moves on every build
    await world.push('app', `r${i + 1}`);
    await world.register('app', i + 1, { app: `${HOST}/app:r${i + 1}`, log: `${HOST}/fluentd:${tag}` });
    if (i > 0) await world.task(`app-${i}`, 'app', i, 'STOPPED', 'service:app');
    await world.deploy('app', 'app', i + 1);
    await world.task(`app-${i + 1}`, 'app', i + 1, 'RUNNING', 'service:app');
    if (i < 2) {
      await world.push('middleware', `m${i + 1}`);
      await world.register('middleware', i + 1, { mw: `${HOST}/middleware:m${i + 1}`, log: `${HOST}/fluentd:${tag}` });
      if (i > 0) await world.task('mw-1', 'middleware', 1, 'STOPPED', 'service:middleware');
      await world.deploy('middleware', 'middleware', i + 1);
      await world.task(`mw-${i + 1}`, 'middleware', i + 1, 'RUNNING', 'service:middleware');
    }
  }
}

describe('events drive the ledger to what a reconcile of the final state builds', () => {
  let engine: EmbeddedDynamoDb;
  let ledger: DynamoDbLedger;
  beforeEach(async () => {
    engine = await startEmbeddedDynamoDb();
    ledger = new DynamoDbLedger(engine.client, engine.tableName);
  });
  afterEach(async () => engine.close());

  it('the sidecar case: fluentd:bbbb stays, in use by middleware:2, the old app builds go, with the same who-uses and plan as the snapshot', async () => {
    const world = new World(ledger);
    await sidecarCase(world);
    const later = new Date(Date.parse(world.now) + 10 * 86_400_000).toISOString();
    const held = await ledger.load(SCOPE);
    const fromEvents = seen({ facts: held.facts, history: held.history, historySource: 'ledger' }, later);
    const { facts } = await readLiveFacts(world.account.reader({ clock: () => new Date(world.now) }));
    const fromSnapshot = seen({ facts, history: new Map(), historySource: 'snapshot' }, later);
    expect(fromEvents).toEqual(fromSnapshot);
    const bbbb = fromEvents.find((i) => i.tags.includes('bbbb'))!;
    expect(bbbb.action).toBe('keep');
    expect(bbbb.referrers).toContain('ecs-service arn:aws:ecs:us-east-1:123456789012:service/prod/middleware true');
    expect(fromEvents.find((i) => i.tags.includes('aaaa'))!.action).toBe('keep'); // middleware:1 is the rollback target
    expect(fromEvents.filter((i) => i.action === 'delete').map((i) => i.tags.join())).toEqual(['r3', 'r2', 'r1', 'cccc']);
    expect(world.warnings).toEqual([]);
  });

  it('gives the same result whatever the order of the events, duplicates included (property)', async () => {
    const world = new World(ledger);
    await sidecarCase(world);
    const later = new Date(Date.parse(world.now) + 10 * 86_400_000).toISOString();
    const { facts } = await readLiveFacts(world.account.reader({ clock: () => new Date(world.now) }));
    const expected = seen({ facts, history: new Map(), historySource: 'snapshot' }, later);
    const n = world.events.length;
    await fc.assert(fc.asyncProperty(
      fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
      fc.array(fc.nat(n - 1), { maxLength: 10 }),
      async (order, duplicates) => {
        const engine2 = await startEmbeddedDynamoDb();
        try {
          const replay = new DynamoDbLedger(engine2.client, engine2.tableName);
          for (const index of [...order, ...duplicates]) await world.deliver(world.events[index], replay);
          const held = await replay.load(SCOPE);
          expect(seen({ facts: held.facts, history: held.history, historySource: 'ledger' }, later)).toEqual(expected);
        } finally {
          await engine2.close();
        }
      },
    ), { numRuns: 8 });
  });
});
