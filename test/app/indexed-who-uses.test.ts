import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbUsageIndex } from '../../src/adapters/dynamodb-usage-index.js';
import { embeddedLedger } from '../fixtures/embedded-ledger.js';
import { loadOtherScopes } from '../../src/app/ledger-view.js';
import { reconcileLedger } from '../../src/app/reconcile.js';
import { whoUses, whoUsesFromIndex } from '../../src/app/who-uses.js';
import { explainImages } from '../../src/app/explain.js';
import { explainFromIndex } from '../../src/app/explain-index.js';
import { defaultConfig, parseConfig } from '../../src/config.js';
import type { AccountFacts, Scope } from '../../src/domain/facts.js';
import { readSnapshotFile } from '../../src/snapshot/read-snapshot.js';
import { snapshotToFacts } from '../../src/snapshot/to-facts.js';
import { parseSnapshot } from '../../src/snapshot/read-snapshot.js';
import { NOW } from '../fixtures/account-builder.js';
import { A, B, C, REGION, sidecarSnapshots } from '../fixtures/organisation/sidecar-accounts.js';
import { accountArb, build } from '../fixtures/random-account.js';

const embedded = embeddedLedger('all');

const index = () => new DynamoDbUsageIndex(DynamoDBDocumentClient.from(embedded.engine.client, { marshallOptions: { removeUndefinedValues: true } }), embedded.engine.tableName);
const load = (facts: AccountFacts, config = defaultConfig()) => reconcileLedger({ ledger: embedded.ledger, clock: () => new Date(facts.capturedAt) }, { facts, config, source: 'test' });

/** who-uses of every image of `scope`, through the index and through a whole-ledger evaluation: they must agree. */
async function compareAll(scope: Scope, now: string, config = defaultConfig()): Promise<{ maxRequests: number; maxItems: number; maxExplain: number; images: number }> {
  const contents = await embedded.ledger.load(scope);
  const view = { facts: contents.facts, history: contents.history, historySource: 'ledger' as const, ...(contents.watermark && { watermark: contents.watermark }), others: await loadOtherScopes(embedded.ledger, scope) };
  let maxRequests = 0;
  let maxItems = 0;
  let maxExplain = 0;
  for (const image of contents.facts.images) {
    const query = `${scope.accountId}.dkr.ecr.${scope.region}.amazonaws.com/${image.repositoryName}@${image.imageDigest}`;
    const reader = index();
    const indexed = await whoUsesFromIndex(reader, query, scope, config, now);
    const whole = whoUses(view, query, config, now);
    expect(indexed, query).toEqual(whole);
    const explained = index();
    // The decision is the same; what the image frees alone is counted among the repository's images from the index
    // (it reads one repository) and among the registry's from the whole ledger.
    const decision = (list: ReadonlyArray<{ freed?: unknown }>) => list.map(({ freed: _freed, ...rest }) => rest);
    expect(decision(await explainFromIndex(explained, query, scope, config, now)), `explain ${query}`).toEqual(decision(explainImages(view, query, config, now)));
    maxExplain = Math.max(maxExplain, explained.counts.requests);
    maxRequests = Math.max(maxRequests, reader.counts.requests);
    maxItems = Math.max(maxItems, reader.counts.items);
  }
  return { maxRequests, maxItems, maxExplain, images: contents.facts.images.length };
}

describe('who-uses and explain from the index agree with the whole-ledger evaluation', () => {
  it('on every image of the example account', async () => {
    const facts = await readSnapshotFile('examples/account.json');
    await load(facts);
    const figures = await compareAll(facts.scope, '2026-11-20T00:00:00.000Z');
    expect(figures.images).toBe(79);
    expect(figures.maxRequests).toBeLessThanOrEqual(10);
  });

  it('across accounts: the sidecar registry in A used from B and C', async () => {
    const snapshots = sidecarSnapshots();
    for (const s of [snapshots.a, snapshots.b, snapshots.c]) await load(snapshotToFacts(parseSnapshot(s)));
    const figures = await compareAll({ accountId: A, region: REGION }, '2026-11-11T00:00:00.000Z');
    expect(figures.maxRequests).toBeLessThanOrEqual(10);
    const who = await whoUsesFromIndex(index(), `${A}.dkr.ecr.${REGION}.amazonaws.com/fluentd:bbbb`, { accountId: A, region: REGION }, defaultConfig(), '2026-11-11T00:00:00.000Z');
    expect(who.images[0]!.referrers.map((r) => [r.account, r.id, r.protecting])).toEqual(expect.arrayContaining([
      [C, `arn:aws:ecs:${REGION}:${C}:service/prod/middleware`, true], [B, `arn:aws:ecs:${REGION}:${B}:task-definition/app:2`, expect.any(Boolean)],
    ]));
  });

  it('on random accounts (indexes, subjects, families, services, tasks, Lambda, pins)', async () => {
    let n = 0;
    await fc.assert(fc.asyncProperty(accountArb, async (g) => {
      n += 1;
      const scope = { accountId: String(100000000000 + n), region: 'us-east-1' };
      const facts = { ...build(g), scope };
      const config = parseConfig({ ecs: g.ecs });
      await load(facts, config);
      await compareAll(scope, NOW, config);
    }), { numRuns: 12 });
  });
});

describe('pins in the index', () => {
  it('a pin protects through the index, and a reconcile after it keeps the pin and its reference', async () => {
    const { pinImage } = await import('../../src/app/pins.js');
    const facts = { ...(await readSnapshotFile('examples/account.json')), scope: { accountId: '999999999999', region: 'us-east-1' } };
    await load(facts);
    const image = facts.images.find((i) => i.repositoryName === 'preview/frontend')!;
    await pinImage({ ledger: embedded.ledger, clock: () => new Date('2026-11-12T00:00:00Z') }, (await embedded.ledger.load(facts.scope)).facts, `preview/frontend@${image.imageDigest}`, 'EKS job in cluster batch');
    await load({ ...facts, capturedAt: '2026-11-13T00:00:00.000Z' });
    const who = await whoUsesFromIndex(index(), `preview/frontend@${image.imageDigest}`, facts.scope, defaultConfig(), '2026-11-14T00:00:00.000Z');
    expect(who.images[0]!.referrers).toEqual([expect.objectContaining({ kind: 'pin', protecting: true, reason: expect.stringContaining('EKS job in cluster batch') })]);
  });
});
