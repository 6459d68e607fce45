import { readFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteCommand, DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbLedger } from '../../src/adapters/dynamodb-ledger.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../src/adapters/embedded-dynamodb.js';
import { LAYOUT_VERSION } from '../../src/adapters/ledger-layout.js';
import { reconcileLedger } from '../../src/app/reconcile.js';
import { runCli } from '../../src/cli/main.js';
import { defaultConfig } from '../../src/config.js';
import { readSnapshotFile } from '../../src/snapshot/read-snapshot.js';

type Item = Record<string, unknown> & { pk: string; sk: string };
/** A ledger as ecr-ledger 0.1 (layout 1) wrote it: a live account swept once, a pin, a checkpoint, the example account, two events. */
const fixture = async () => (JSON.parse(await readFile('test/fixtures/ledger-v1.json', 'utf8')) as { items: Item[] }).items;
const LIVE = { accountId: '123456789012', region: 'us-east-1' };
const EXAMPLE = { accountId: '123456789012', region: 'eu-west-1' };

async function scanAll(engine: EmbeddedDynamoDb): Promise<Item[]> {
  const doc = DynamoDBDocumentClient.from(engine.client);
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new ScanCommand({ TableName: engine.tableName, ExclusiveStartKey: start }));
    items.push(...((page.Items ?? []) as Item[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** A ledger directory holding exactly the layout-1 items. */
async function layout1Ledger(): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'ecr-ledger-v1-')), 'ledger');
  const engine = await startEmbeddedDynamoDb(dir);
  const doc = DynamoDBDocumentClient.from(engine.client);
  const items = await fixture();
  for (let i = 0; i < items.length; i += 25) await doc.send(new BatchWriteCommand({ RequestItems: { [engine.tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  await engine.close();
  return dir;
}

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), clock: () => new Date('2026-11-20T00:00:00Z') });
  return { code, out: out.join('\n'), err: err.join('\n'), json: () => JSON.parse(out.join('\n')) };
}

/** What layout 2 adds or moves are index keys (the sweep index is sharded); everything else must be as it was. */
const withoutNewKeys = ({ g1pk: _a, g1sk: _b, g2pk: _c, g2sk: _d, g3pk: _e, ...rest }: Item) => rest;

describe('upgrading a ledger written by the previous layout, in place', () => {
  it('every other command refuses an old ledger with exit 2, naming upgrade', async () => {
    const dir = await layout1Ledger();
    for (const argv of [['plan', '--ledger', dir], ['who-uses', 'app:live', '--ledger', dir], ['sweep', '--ledger', dir], ['reconcile', '--snapshot', 'examples/account.json', '--ledger', dir]]) {
      const result = await cli(...argv);
      expect(result.code, argv[0]).toBe(2);
      expect(result.err).toContain(`the embedded ledger in ${dir} was written by an older ecr-ledger (layout 1): run \`ecr-ledger upgrade --ledger ${dir}\``);
    }
  });

  it('keeps every pin, history stamp, tombstone, watermark, checkpoint and audit record, and adds the index', async () => {
    const dir = await layout1Ledger();
    const before = await fixture();
    const upgraded = await cli('upgrade', '--ledger', dir, '--output', 'json', '--quiet');
    expect(upgraded.code).toBe(0);
    expect(upgraded.json()).toMatchObject({ from: 1, to: LAYOUT_VERSION, converted: before.filter((i) => i.sk === 'F' && i.scope).length });

    const engine = await startEmbeddedDynamoDb(dir);
    try {
      const after = new Map((await scanAll(engine)).map((i) => [`${i.pk}|${i.sk}`, i]));
      for (const item of before) expect(withoutNewKeys(after.get(`${item.pk}|${item.sk}`)!), `${item.pk} ${item.sk}`).toEqual(withoutNewKeys(item));
      const kinds = (k: string) => [...after.values()].filter((i) => i.kind === k);
      expect(kinds('pin')).toHaveLength(1);
      expect([...after.values()].filter((i) => String(i.pk).startsWith('AUDIT#'))).toHaveLength(2);
      expect([...after.values()].filter((i) => String(i.pk).startsWith('CHECKPOINT#'))).toHaveLength(1);
      expect(kinds('image').filter((i) => !i.deleted).every((i) => String(i.g2pk).includes('#img#'))).toBe(true);
      expect(kinds('reference').length).toBeGreaterThan(50);
      const swept = [...after.values()].filter((i) => i.g3pk !== undefined);
      expect(swept.length).toBe(before.filter((i) => i.g3pk !== undefined).length);
      expect(swept.every((i) => /#sweep#\d\d$/.test(String(i.g3pk)))).toBe(true);
      expect(after.get('LAYOUT|LAYOUT')).toMatchObject({ version: LAYOUT_VERSION });

      // The upgraded table is what layout 2 writes: reconciling the same picture again changes nothing.
      const ledger = new DynamoDbLedger(engine.client, engine.tableName);
      const example = await readSnapshotFile('examples/account.json');
      // The fixture was written before snapshots carried lifecycle policies: the same picture is the example without them.
      const picture = { ...example, scope: EXAMPLE, repositories: example.repositories.map(({ lifecyclePolicyText: _lifecycle, ...repository }) => repository) };
      const held = await ledger.load(EXAMPLE);
      const again = await reconcileLedger({ ledger, clock: () => new Date('2026-11-10T08:00:00Z') }, { facts: picture, config: defaultConfig(), source: 'again' });
      expect(again).toMatchObject({ written: 0, removed: 0 });
      expect((await ledger.load(EXAMPLE)).history).toEqual(held.history);
      expect((await ledger.load(LIVE)).facts.pins).toEqual([expect.objectContaining({ reason: 'used by EKS deployment api in cluster prod' })]);
    } finally {
      await engine.close();
    }
    expect((await cli('upgrade', '--ledger', dir)).out).toContain('already of layout 2');
    const who = await cli('who-uses', 'app:live', '--ledger', dir, '--scope', '123456789012/us-east-1', '--output', 'json');
    expect(who.code).toBe(0);
    expect(who.json().images[0].referrers.length).toBeGreaterThan(0);
  });

  it('resumes after a crash from its cursor and converges to the same table', async () => {
    const crashed = await layout1Ledger();
    const engine = await startEmbeddedDynamoDb(crashed);
    let puts = 0;
    engine.client.middlewareStack.add((next, context) => async (args) => {
      if (context.commandName === 'PutItemCommand' && ++puts === 150) throw new Error('the process was killed');
      return next(args);
    }, { step: 'initialize', name: 'crash' });
    const ledger = new DynamoDbLedger(engine.client, engine.tableName);
    await expect(ledger.layout.upgrade(undefined, 20)).rejects.toThrow('the process was killed');
    expect(await ledger.layout.version()).toBe(1);
    const resumed = await new DynamoDbLedger(engine.client, engine.tableName).layout.upgrade(undefined, 20);
    expect(resumed).toMatchObject({ from: 1, to: 2, resumed: true });
    const afterCrash = (await scanAll(engine)).filter((i) => i.pk !== 'LAYOUT').map((i) => JSON.stringify(i)).sort();
    await engine.close();

    const clean = await layout1Ledger();
    expect((await cli('upgrade', '--ledger', clean, '--quiet')).code).toBe(0);
    const cleanEngine = await startEmbeddedDynamoDb(clean);
    const straight = (await scanAll(cleanEngine)).filter((i) => i.pk !== 'LAYOUT').map((i) => JSON.stringify(i)).sort();
    await cleanEngine.close();
    expect(afterCrash).toEqual(straight);
  });
});
