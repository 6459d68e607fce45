import { ScanCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DynamoDbLedger } from '../../src/adapters/dynamodb-ledger.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../src/adapters/embedded-dynamodb.js';
import { reconcileLedger } from '../../src/app/reconcile.js';
import { defaultConfig } from '../../src/config.js';
import type { AccountFacts } from '../../src/domain/facts.js';
import { accountArb, build } from '../fixtures/random-account.js';

/**
 * A scope's first load into a ledger one process holds (the embedded ledger) goes in batches (issue 32): the same
 * items as one conditional request each, in far fewer requests; later loads stay conditional.
 */
async function load(facts: AccountFacts, exclusive: boolean, times = 1, later?: AccountFacts): Promise<{ items: string[]; requests: string[] }> {
  const engine: EmbeddedDynamoDb = await startEmbeddedDynamoDb();
  const requests: string[] = [];
  engine.client.middlewareStack.add((next, context) => async (args) => { requests.push(String(context.commandName)); return next(args); }, { step: 'initialize', name: 'countRequests' });
  try {
    const ledger = new DynamoDbLedger(engine.client, engine.tableName, { exclusive });
    for (let i = 0; i < times; i += 1) await reconcileLedger({ ledger, clock: () => new Date(facts.capturedAt) }, { facts, config: defaultConfig(), source: 'test' });
    if (later) await reconcileLedger({ ledger, clock: () => new Date(later.capturedAt) }, { facts: later, config: defaultConfig(), source: 'test' });
    const scanned = (await engine.client.send(new ScanCommand({ TableName: engine.tableName }))).Items ?? [];
    // Everything but the watermark's own time of writing.
    return { items: scanned.map((i) => JSON.stringify(Object.fromEntries(Object.entries(i).filter(([k]) => k !== 'watermark').sort()))).sort(), requests };
  } finally {
    await engine.close();
  }
}

describe('the first load of a scope into a ledger one process holds', () => {
  it('writes the same items as the conditional path, in batches', async () => {
    await fc.assert(fc.asyncProperty(accountArb, async (g) => {
      const facts = build(g);
      const [batched, conditional] = [await load(facts, true), await load(facts, false)];
      expect(batched.items).toEqual(conditional.items);
      expect(batched.requests.filter((r) => r === 'PutItemCommand')).toHaveLength(1); // the watermark
      if (conditional.items.length > 30) expect(batched.requests.length).toBeLessThan(conditional.requests.length);
    }), { numRuns: 8 });
  });

  it('writes a later load of the same scope one conditional request per changed item', async () => {
    const facts = build(fc.sample(accountArb, { numRuns: 1, seed: 7 })[0]!);
    // The next picture: an hour later, one image fewer and one more (so that it writes and removes something).
    const [gone, ...kept] = facts.images;
    const added = { ...gone!, imageDigest: `sha256:${'e'.repeat(64)}`, imageTags: [] };
    const later = { ...facts, capturedAt: new Date(Date.parse(facts.capturedAt) + 3_600_000).toISOString(), images: [...kept, added] };
    const { requests } = await load(facts, true, 1, later);
    const first = requests.lastIndexOf('BatchWriteItemCommand');
    expect(first).toBeGreaterThan(-1);
    const second = requests.slice(first + 1);
    expect(second).not.toContain('BatchWriteItemCommand');
    expect(second.filter((r) => r === 'PutItemCommand').length).toBeGreaterThan(1); // the new image (and the watermark), conditionally
    expect(second).toContain('DeleteItemCommand'); // the image gone from the picture
  });
});
