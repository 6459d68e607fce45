import { describe, expect, it } from 'vitest';
import { inParallel } from '../../src/adapters/dynamodb-writes.js';
import { embeddedLedger } from '../fixtures/embedded-ledger.js';
import { factPk } from '../../src/adapters/ledger-items.js';
import { reconcileLedger } from '../../src/app/reconcile.js';
import { defaultConfig } from '../../src/config.js';
import type { AccountFacts } from '../../src/domain/facts.js';
import { planRetention } from '../../src/domain/retention-policy.js';
import { LedgerStoreError } from '../../src/errors.js';
import { AccountBuilder, daysAgo, digest, NOW, uri } from '../fixtures/account-builder.js';

const embedded = embeddedLedger('each');

const SCOPE = { accountId: '123456789012', region: 'us-east-1' };
const reconcile = (facts: AccountFacts) => reconcileLedger({ ledger: embedded.ledger, clock: () => new Date(facts.capturedAt) }, { facts, config: defaultConfig(), source: 'test' });

/** Runs `hook` once, just before the first write request the reconcile sends (of `pk`, if given): between its read and its writes. */
function beforeFirstWrite(hook: () => Promise<void>, pk?: string): void {
  let fired = false;
  embedded.engine.client.middlewareStack.add((next, context) => async (args) => {
    const item = (args.input as { Item?: { pk?: string | { S?: string } } }).Item;
    const itemPk = typeof item?.pk === 'string' ? item.pk : item?.pk?.S; // marshalled or not, depending on the middleware's place
    if (!fired && ['PutItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand'].includes(String(context.commandName)) && (pk === undefined || itemPk === pk)) {
      fired = true;
      await hook();
    }
    return next(args);
  }, { step: 'initialize', name: 'interleaveEvent' });
}

function account(capturedAt: string, opts: { liveTag?: string; task?: boolean } = {}): AccountFacts {
  const b = new AccountBuilder(capturedAt);
  b.image('app', 'a', { tags: opts.liveTag === 'a' ? ['live'] : [] });
  b.image('app', 'b', { tags: opts.liveTag === 'b' ? ['live'] : [] });
  b.image('app', 'x', { tags: opts.liveTag === 'x' ? ['live'] : [] });
  if (opts.task) b.task('t1', 'app:1', [{ name: 'app', image: uri('app:live'), imageDigest: digest('x') }]);
  return b.build();
}

const tagOf = async (tag: string) => (await embedded.ledger.events.getFact(SCOPE, 'tag', `app:${tag}`))?.fact.imageDigest;

describe('reconcile never overwrites newer news (conditional writes)', () => {
  it('a tag moved by an event at 06:00, landing between the 00:00 picture\'s read and its writes, stays moved', async () => {
    await reconcile(account(daysAgo(1, '2026-11-20T00:00:00Z'), { liveTag: 'x' }));
    beforeFirstWrite(async () => {
      const applied = await embedded.ledger.events.applyFact(SCOPE, 'tag', 'app:live', { repositoryName: 'app', tag: 'live', imageDigest: digest('b') }, '2026-11-20T06:00:00.000Z');
      expect(applied.applied).toBe(true);
    });
    await reconcile(account('2026-11-20T00:00:00.000Z', { liveTag: 'a' }));
    expect(await tagOf('live')).toBe(digest('b'));
    expect((await embedded.ledger.load(SCOPE)).watermark?.capturedAt).toBe('2026-11-20T00:00:00.000Z');
  });

  it('a fact an event refreshed between the read and the removal is not removed', async () => {
    await reconcile(account(daysAgo(1, '2026-11-20T00:00:00Z'), { task: true }));
    const taskId = 'arn:aws:ecs:us-east-1:123456789012:task/prod/t1';
    const stored = await embedded.ledger.events.getFact(SCOPE, 'task', taskId);
    beforeFirstWrite(async () => {
      await embedded.ledger.events.applyFact(SCOPE, 'task', taskId, stored!.fact, '2026-11-20T06:00:00.000Z', 7);
    });
    const result = await reconcile(account('2026-11-20T00:00:00.000Z', { task: false }));
    expect(result.removed).toBe(0);
    expect((await embedded.ledger.load(SCOPE)).facts.tasks.map((t) => t.taskArn)).toEqual([taskId]);
  });

  it('an image an event released after the picture keeps its release time', async () => {
    await reconcile(account(daysAgo(1, '2026-11-20T00:00:00Z'), { liveTag: 'x' }));
    beforeFirstWrite(() => embedded.ledger.events.releaseImage(SCOPE, 'app', digest('x'), '2026-11-20T06:00:00.000Z'));
    await reconcile(account('2026-11-20T00:00:00.000Z', { liveTag: 'a' }));
    expect((await embedded.ledger.load(SCOPE)).history.get(`app@${digest('x')}`)?.releasedAt).toBe('2026-11-20T06:00:00.000Z');
  });
});

describe('duplicate keys and items that do not fit', () => {
  it('a tag two images claim (a read mid-way through a tag move) protects both, in the ledger as in the snapshot', async () => {
    const b = new AccountBuilder();
    b.image('app', 'old', { tags: ['live'] });
    b.image('app', 'new', { tags: ['live'] });
    b.image('app', 'unused', { tags: [] });
    b.taskDefinition('app:1', { app: uri('app:live') }).service('app', [{ td: 'app:1' }]);
    const facts = b.build();
    await reconcile(facts);
    const held = await embedded.ledger.load(SCOPE);
    const inUse = (f: AccountFacts, history = held.history) => planRetention(f, history, { config: defaultConfig(), now: NOW, historySource: 'ledger' }).images.filter((p) => p.inUse).map((p) => p.image.imageDigest).sort();
    expect(inUse(held.facts)).toEqual([digest('new'), digest('old')].sort());
    expect(inUse(held.facts)).toEqual(inUse(facts, new Map()));
    expect(held.facts.images.find((i) => i.imageDigest === digest('old'))?.imageTags).toEqual(['live']);
  });

  it('a stopped task\'s protectedUntil an event stamps between the picture\'s read and its writes is not overwritten (issue 29, point 1)', async () => {
    await reconcile(account(daysAgo(1)));
    const until = new Date(Date.parse(NOW) + 20 * 3_600_000).toISOString();
    beforeFirstWrite(() => embedded.ledger.events.releaseImage(SCOPE, 'app', digest('x'), until, NOW), factPk(SCOPE, 'image', `app@${digest('x')}`)); // the STOPPED event, stamped ahead
    const later = account(NOW);
    await reconcile({ ...later, images: later.images.map((i) => (i.imageDigest === digest('x') ? { ...i, lastRecordedPullTime: NOW } : i)) }); // the image item changed: rewritten
    expect((await embedded.ledger.load(SCOPE)).history.get(`app@${digest('x')}`)?.protectedUntil).toBe(until);
  });

  it('refuses, before writing anything, a fact that cannot fit one item, naming it; the watermark does not move', async () => {
    const b = new AccountBuilder();
    const index = b.image('multi', 'huge-index', { tags: ['v1'] });
    b.addChildren(index, Array.from({ length: 6_000 }, (_, i) => digest(`child-${i}`)));
    b.image('multi', 'small', { tags: ['v2'] });
    const error = await reconcile(b.build()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LedgerStoreError);
    expect((error as Error).message).toMatch(new RegExp(`the image multi@${digest('huge-index')} does not fit one ledger item \\(\\d+ KB, DynamoDB's limit is 400 KB\\)`));
    expect(await embedded.ledger.scopes()).toEqual([]);
    expect((await embedded.ledger.load(SCOPE)).facts.images).toEqual([]);
  });
});

describe('parallel writes settle before an error is reported', () => {
  it('reports the first failure only once the work in flight has finished, and starts no new work after it', async () => {
    const started: number[] = [];
    let finished = 0;
    const error = await inParallel([0, 1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      started.push(n);
      if (n === 0) throw new Error('the engine refused item 0');
      await new Promise((resolve) => setTimeout(resolve, 20));
      finished += 1;
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('the engine refused item 0');
    expect(finished).toBe(started.length - 1);
    expect(started.length).toBeLessThanOrEqual(3);
  });
});
