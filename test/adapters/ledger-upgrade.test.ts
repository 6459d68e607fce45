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
const fixture = async (file = 'test/fixtures/ledger-v1.json') => (JSON.parse(await readFile(file, 'utf8')) as { items: Item[] }).items;
/** A ledger as ecr-ledger wrote it with layout 2 (the layout-1 fixture upgraded, then a pin with an expiry, a usage report, an event). */
const V2 = 'test/fixtures/ledger-v2.json';
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

/** A ledger directory holding exactly the fixture's items (layout 1 unless told). */
async function layout1Ledger(file?: string): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'ecr-ledger-v1-')), 'ledger');
  const engine = await startEmbeddedDynamoDb(dir);
  const doc = DynamoDBDocumentClient.from(engine.client);
  const items = await fixture(file);
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

/** What layouts 2 and 3 add, move or remove are index keys (the sweep index is sharded, then sparser); everything else must be as it was. */
const withoutNewKeys = ({ g1pk: _a, g1sk: _b, g2pk: _c, g2sk: _d, g3pk: _e, g3sk: _f, g4pk: _h, g4sk: _i, refs: _g, ...rest }: Item) => rest;
/** Layout 4 adds the scope index's keys to every item of a scope. */
const withoutScopeKeys = ({ g4pk: _p, g4sk: _s, ...rest }: Item) => rest;
const scopeItem = (i: Item) => i.scope !== undefined && (i.sk === 'F' || i.sk.startsWith('R#') || i.sk.startsWith('C#'));
/** The kinds layout 3 keeps in the sweep index (besides images that may be unprotected, indexes and artifacts). */
const SWEPT = ['repository', 'task-definition', 'service-revision', 'lambda-function', 'pin', 'reported-image', 'usage-source'];

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
    // Every fact converted to layout 2, then the mutable referrers' sweep-index keys removed (layout 3).
    const unindexed = before.filter((i) => i.sk === 'F' && i.g3pk !== undefined && !i.deleted && i.kind !== 'image' && !SWEPT.includes(String(i.kind)));
    expect(upgraded.json()).toMatchObject({ from: 1, to: LAYOUT_VERSION });
    expect(upgraded.json().converted).toBeGreaterThanOrEqual(before.filter((i) => i.sk === 'F' && i.scope).length + unindexed.length);

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
      expect(swept.length).toBe(before.filter((i) => i.g3pk !== undefined && (i.kind === 'image' || SWEPT.includes(String(i.kind)))).length);
      expect(swept.every((i) => /#sweep#\d\d$/.test(String(i.g3pk)))).toBe(true);
      expect(kinds('service').length).toBeGreaterThan(0);
      expect(kinds('service').every((i) => i.g3pk === undefined && i.g3sk === undefined)).toBe(true);
      expect(after.get('LAYOUT|LAYOUT')).toMatchObject({ version: LAYOUT_VERSION });
      expect([...after.values()].filter(scopeItem).every((i) => /#all#\d\d$/.test(String(i.g4pk)) && /^[FX]#/.test(String(i.g4sk)))).toBe(true);

      // The upgraded table is what layout 2 writes: reconciling the same picture again changes nothing.
      const ledger = new DynamoDbLedger(engine.client, engine.tableName);
      const example = await readSnapshotFile('examples/account.json');
      // The fixture was written before snapshots carried lifecycle policies and layers: the same picture is the example without them.
      const picture = {
        ...example, scope: EXAMPLE, repositories: example.repositories.map(({ lifecyclePolicyText: _lifecycle, ...repository }) => repository),
        images: example.images.map(({ layers: _layers, ...image }) => image),
      };
      const held = await ledger.load(EXAMPLE);
      const again = await reconcileLedger({ ledger, clock: () => new Date('2026-11-10T08:00:00Z') }, { facts: picture, config: defaultConfig(), source: 'again' });
      expect(again).toMatchObject({ written: 0, removed: 0 });
      expect((await ledger.load(EXAMPLE)).history).toEqual(held.history);
      expect((await ledger.load(LIVE)).facts.pins).toEqual([expect.objectContaining({ reason: 'used by EKS deployment api in cluster prod' })]);
    } finally {
      await engine.close();
    }
    expect((await cli('upgrade', '--ledger', dir)).out).toContain(`already of layout ${LAYOUT_VERSION}`);
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
    expect(resumed).toMatchObject({ from: 1, to: LAYOUT_VERSION, resumed: true });
    const afterCrash = (await scanAll(engine)).filter((i) => i.pk !== 'LAYOUT').map((i) => JSON.stringify(i)).sort();
    await engine.close();

    const clean = await layout1Ledger();
    expect((await cli('upgrade', '--ledger', clean, '--quiet')).code).toBe(0);
    const cleanEngine = await startEmbeddedDynamoDb(clean);
    const straight = (await scanAll(cleanEngine)).filter((i) => i.pk !== 'LAYOUT').map((i) => JSON.stringify(i)).sort();
    await cleanEngine.close();
    expect(afterCrash).toEqual(straight);
  });

  it('refuses to upgrade a table a deployed stack of the older layout still writes (exit 4): the stack upgrades it when deployed', async () => {
    const dir = await layout1Ledger(V2);
    const engine = await startEmbeddedDynamoDb(dir);
    await DynamoDBDocumentClient.from(engine.client).send(new BatchWriteCommand({ RequestItems: { [engine.tableName]: [{ PutRequest: { Item: { pk: 'LAYOUT', sk: 'STACK', layout: 2, at: '2026-11-19T03:00:00.000Z' } } }] } }));
    await engine.close();
    const refused = await cli('upgrade', '--ledger', dir);
    expect(refused.code).toBe(4);
    expect(refused.err).toContain('is written by a deployed ecr-ledger stack of layout 2 (its reconcile ran at 2026-11-19T03:00:00.000Z)');
    expect(refused.err).toContain('Deploy this version instead');
    expect((await cli('plan', '--ledger', dir)).err).toContain('(layout 2): run `ecr-ledger upgrade'); // unchanged
  });

  it('the deployed reconcile upgrades its table and stamps the layout it writes; the CLI then upgrades nothing', async () => {
    const dir = await layout1Ledger(V2);
    const engine = await startEmbeddedDynamoDb(dir);
    try {
      const ledger = new DynamoDbLedger(engine.client, engine.tableName);
      expect(await ledger.layout.upgradeForStack('2026-11-20T03:00:00.000Z')).toMatchObject({ from: 2, to: LAYOUT_VERSION });
      expect(await ledger.layout.stackStamp()).toEqual({ layout: LAYOUT_VERSION, at: '2026-11-20T03:00:00.000Z' });
    } finally {
      await engine.close();
    }
    const again = await cli('upgrade', '--ledger', dir, '--output', 'json');
    expect(again.code).toBe(0);
    expect(again.json()).toMatchObject({ from: LAYOUT_VERSION, to: LAYOUT_VERSION });
  });

  it('layout 2 to 3: removes only the sweep-index keys of mutable referrers, keeps everything else, and answers as before', async () => {
    const dir = await layout1Ledger(V2);
    const before = await fixture(V2);
    for (const argv of [['plan', '--ledger', dir], ['sweep', '--ledger', dir]]) {
      const refused = await cli(...argv);
      expect(refused.code, argv[0]).toBe(2);
      expect(refused.err).toContain('(layout 2): run `ecr-ledger upgrade --ledger');
    }

    const upgraded = await cli('upgrade', '--ledger', dir, '--output', 'json', '--quiet');
    expect(upgraded.code).toBe(0);
    const unindexed = before.filter((i) => i.sk === 'F' && i.g3pk !== undefined && i.kind !== 'image' && !SWEPT.includes(String(i.kind)));
    expect(unindexed.map((i) => i.kind).sort()).toEqual(expect.arrayContaining(['lambda-alias', 'service', 'service-deployment', 'task']));
    // References from another scope (the example's eu-west-1 copy names us-east-1 images) sort apart in the repository index.
    const foreign = before.filter((i) => i.kind === 'reference' && i.g1sk !== undefined && !String(i.target).startsWith(`${String(i.scope)}#`));
    expect(foreign.length).toBeGreaterThan(10);
    expect(upgraded.json()).toMatchObject({ from: 2, to: LAYOUT_VERSION, references: foreign.length, resumed: false });

    const engine = await startEmbeddedDynamoDb(dir);
    try {
      const after = new Map((await scanAll(engine)).map((i) => [`${i.pk}|${i.sk}`, i]));
      expect(after.size).toBe(before.length);
      expect(after.get('LAYOUT|LAYOUT')).toMatchObject({ version: LAYOUT_VERSION });
      for (const item of before.filter((i) => i.pk !== 'LAYOUT')) {
        const now = withoutScopeKeys(after.get(`${item.pk}|${item.sk}`)!);
        // Every attribute as it was (pins, history, audit, watermarks, checkpoints); only those index keys changed.
        const expected = unindexed.includes(item) ? Object.fromEntries(Object.entries(item).filter(([k]) => k !== 'g3pk' && k !== 'g3sk'))
          : foreign.includes(item) ? { ...item, g1sk: `x${String(item.g1sk)}` } : item;
        expect(now, `${item.pk} ${item.sk}`).toEqual(expected);
      }
    } finally {
      await engine.close();
    }
    // Idempotent: again, nothing to do; the upgraded ledger answers.
    expect((await cli('upgrade', '--ledger', dir, '--output', 'json', '--quiet')).json()).toMatchObject({ from: LAYOUT_VERSION, to: LAYOUT_VERSION, converted: 0 });
    const pinned = await cli('who-uses', 'fluentd:bbbb', '--ledger', dir, '--scope', '123456789012/eu-west-1', '--output', 'json', '--now', '2026-11-20T00:00:00Z');
    expect(pinned.json().images[0].referrers).toEqual([expect.objectContaining({ kind: 'pin', protecting: true })]);
    const who = await cli('who-uses', 'app:live', '--ledger', dir, '--scope', '123456789012/us-east-1', '--output', 'json');
    expect(who.json().images[0].referrers.length).toBeGreaterThan(0);
    const pins = await cli('pins', '--ledger', dir, '--scope', '123456789012/eu-west-1', '--output', 'json');
    expect(pins.json().pins.map((p: { reason: string }) => p.reason)).toEqual(['canary until the migration']);
  });

  it('layout 2 to 3 resumes after a crash from its cursor and converges to the same table', async () => {
    const crashed = await layout1Ledger(V2);
    const engine = await startEmbeddedDynamoDb(crashed);
    let updates = 0;
    engine.client.middlewareStack.add((next, context) => async (args) => {
      if (context.commandName === 'UpdateItemCommand' && ++updates === 5) throw new Error('the process was killed');
      return next(args);
    }, { step: 'initialize', name: 'crash' });
    await expect(new DynamoDbLedger(engine.client, engine.tableName).layout.upgrade(undefined, 10)).rejects.toThrow('the process was killed');
    const ledger = new DynamoDbLedger(engine.client, engine.tableName);
    expect(await ledger.layout.version()).toBe(2);
    expect(await ledger.layout.upgrade(undefined, 10)).toMatchObject({ from: 2, to: LAYOUT_VERSION, resumed: true });
    const afterCrash = (await scanAll(engine)).filter((i) => i.pk !== 'LAYOUT').map((i) => JSON.stringify(i)).sort();
    await engine.close();

    const clean = await layout1Ledger(V2);
    expect((await cli('upgrade', '--ledger', clean, '--quiet')).code).toBe(0);
    const cleanEngine = await startEmbeddedDynamoDb(clean);
    const straight = (await scanAll(cleanEngine)).filter((i) => i.pk !== 'LAYOUT').map((i) => JSON.stringify(i)).sort();
    await cleanEngine.close();
    expect(afterCrash).toEqual(straight);
  });
});
