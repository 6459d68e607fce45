import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbLedger } from '../../src/adapters/dynamodb-ledger.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../src/adapters/embedded-dynamodb.js';
import { reconcileLedger } from '../../src/app/reconcile.js';
import { defaultConfig } from '../../src/config.js';
import type { AccountFacts } from '../../src/domain/facts.js';
import { imageKey } from '../../src/domain/facts.js';
import { AccountBuilder, daysAgo, digest, NOW, uri } from '../fixtures/account-builder.js';

function account(opts: { withOld?: boolean; capturedAt?: string } = {}): AccountFacts {
  const b = new AccountBuilder();
  b.image('app', 'current', { tags: ['v2'] });
  if (opts.withOld !== false) b.image('app', 'old', { tags: ['v1'] });
  b.taskDefinition('app:2', { app: uri('app:v2') }).service('app', [{ td: 'app:2' }]);
  b.lambda('fn', '1', uri('app:v2'), uri(`app@${digest('current')}`)).alias('fn', 'live', '1');
  b.task('t1', 'app:2', [{ name: 'app', image: uri('app:v2'), imageDigest: digest('current') }]);
  return { ...b.build(), capturedAt: opts.capturedAt ?? NOW };
}

const sortedFacts = (facts: AccountFacts) => JSON.parse(JSON.stringify(facts, (_, v: unknown) => (Array.isArray(v) ? [...v].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) : v)));

describe('DynamoDbLedger on the embedded engine', () => {
  let engine: EmbeddedDynamoDb;
  let ledger: DynamoDbLedger;
  const deps = () => ({ ledger, clock: () => new Date(NOW) });

  beforeAll(async () => {
    engine = await startEmbeddedDynamoDb();
    ledger = new DynamoDbLedger(engine.client, engine.tableName);
  });
  afterAll(async () => engine.close());

  it('stores and loads back the facts of a scope, with a watermark', async () => {
    const facts = account();
    const result = await reconcileLedger(deps(), { facts, config: defaultConfig(), source: 'snapshot test' });
    expect(result).toMatchObject({ written: 15, unchanged: 0, removed: 0, images: 2, unprotected: 1 }); // 8 facts, 2 tag items, 5 references (task definition, service → family, Lambda digest and tag, task)
    const loaded = await ledger.load(facts.scope);
    expect(sortedFacts(loaded.facts)).toEqual(sortedFacts(facts));
    expect(loaded.watermark).toMatchObject({ capturedAt: NOW, source: 'snapshot test' });
    expect(await ledger.scopes()).toEqual([facts.scope]);
  });

  it('records when an image was first seen unprotected, and writes nothing for an unchanged account', async () => {
    const again = await reconcileLedger(deps(), { facts: account({ capturedAt: daysAgo(-1) }), config: defaultConfig(), source: 'again' });
    expect(again).toMatchObject({ written: 0, removed: 0 });
    const { history } = await ledger.load(account().scope);
    expect(history.get(imageKey('app', digest('old')))).toEqual({ firstSeenAt: NOW, unprotectedSince: NOW });
    expect(history.get(imageKey('app', digest('current')))).toEqual({ firstSeenAt: NOW });
  });

  it('removes facts the account no longer has and keeps the history of the rest', async () => {
    const later = daysAgo(-2);
    const facts = { ...account({ withOld: false, capturedAt: later }), tasks: [] };
    const result = await reconcileLedger(deps(), { facts, config: defaultConfig(), source: 'later' });
    expect(result.removed).toBe(4); // the old image, its tag v1, the task and its reference
    const loaded = await ledger.load(facts.scope);
    expect(loaded.facts.images.map((i) => i.imageDigest)).toEqual([digest('current')]);
    expect(loaded.facts.tasks).toEqual([]);
    // The task the picture no longer lists stopped at an unknown time before it: what it ran is kept for the retention from the read.
    expect(loaded.history.get(imageKey('app', digest('current')))).toEqual({ firstSeenAt: NOW, releasedAt: later, protectedUntil: new Date(Date.parse(later) + 24 * 3_600_000).toISOString() });
  });

  it('spares facts observed after the scan that wants to remove them', async () => {
    const b = new AccountBuilder(daysAgo(-3));
    b.image('app', 'pushed-later', { tags: ['v3'] });
    await reconcileLedger(deps(), { facts: { ...account({ capturedAt: daysAgo(-3) }), images: [...account().images, ...b.build().images] }, config: defaultConfig(), source: 'newer' });
    await reconcileLedger(deps(), { facts: account({ withOld: false, capturedAt: daysAgo(-2.5) }), config: defaultConfig(), source: 'older scan' });
    const loaded = await ledger.load(account().scope);
    expect(loaded.facts.images.map((i) => i.imageDigest)).toContain(digest('pushed-later'));
  });

  it("does not overwrite a fact observed after the scan with the scan's older picture of it", async () => {
    const newer = account({ capturedAt: daysAgo(-3) });
    const stopped = { ...newer, tasks: newer.tasks.map((t) => ({ ...t, lastStatus: 'STOPPED', stoppedAt: daysAgo(-3) })) };
    await reconcileLedger(deps(), { facts: stopped, config: defaultConfig(), source: 'newer' });
    const counts = await reconcileLedger(deps(), { facts: account({ capturedAt: daysAgo(-2.5) }), config: defaultConfig(), source: 'older scan' });
    expect((await ledger.load(newer.scope)).facts.tasks.map((t) => t.lastStatus)).toEqual(['STOPPED']);
    expect(counts.written).toBe(0);
  });

  it('keeps operator pins across reconciles and removes them on request', async () => {
    const scope = account().scope;
    await ledger.putPin(scope, { repositoryName: 'app', imageDigest: digest('current'), reason: 'EKS deployment api', pinnedAt: NOW });
    await reconcileLedger(deps(), { facts: account({ capturedAt: daysAgo(-4) }), config: defaultConfig(), source: 'after pin' });
    expect((await ledger.load(scope)).facts.pins).toEqual([{ repositoryName: 'app', imageDigest: digest('current'), reason: 'EKS deployment api', pinnedAt: NOW }]);
    const [pin] = (await ledger.load(scope)).facts.pins;
    expect(await ledger.deletePin(scope, pin!)).toBe(true);
    expect(await ledger.deletePin(scope, pin!)).toBe(false);
  });

  it('pages through more items than one Scan page returns', async () => {
    const b = new AccountBuilder();
    for (let i = 0; i < 3_000; i += 1) b.image('big', `img-${i}`, { tags: [], imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json', artifactMediaType: 'x'.repeat(300) });
    const facts = { ...b.build(), scope: { accountId: '210987654321', region: 'eu-west-1' } };
    // Loaded by batch (the embedded ledger's first load): what is tested is the reading back.
    await reconcileLedger({ ledger: new DynamoDbLedger(engine.client, engine.tableName, { exclusive: true }), clock: () => new Date(NOW) }, { facts, config: defaultConfig(), source: 'big' });
    expect((await ledger.load(facts.scope)).facts.images).toHaveLength(3_000);
  });
});

describe('embedded ledger on disk', () => {
  it('persists across restarts in its directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-'));
    const first = await startEmbeddedDynamoDb(dir);
    await reconcileLedger({ ledger: new DynamoDbLedger(first.client, first.tableName), clock: () => new Date(NOW) }, { facts: account(), config: defaultConfig(), source: 'disk' });
    await first.close();
    const second = await startEmbeddedDynamoDb(dir);
    const loaded = await new DynamoDbLedger(second.client, second.tableName).load(account().scope);
    await second.close();
    expect(loaded.facts.images).toHaveLength(2);
  });
});
