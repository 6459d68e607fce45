import { readFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { describe, expect, it } from 'vitest';
import { DynamoDbLedger } from '../../src/adapters/dynamodb-ledger.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../src/adapters/embedded-dynamodb.js';
import { itemsToFacts, type FactItem } from '../../src/adapters/ledger-items.js';
import { LAYOUT_VERSION } from '../../src/adapters/ledger-layout.js';
import { EMBEDDED_TABLE } from '../../src/adapters/embedded-dynamodb.js';
import { ledgerTableDefinition, SCOPE_INDEX } from '../../src/adapters/ledger-table.js';
import { runCli } from '../../src/cli/main.js';

/**
 * Layout 4 (issue 32): a scope is read by Query of the scope index, never by a table Scan. The upgrade is tested on
 * items as layout 3 wrote them (test/fixtures/ledger-v3.json, written by commit 474c35e), and on a ledger directory
 * whose table an earlier ecr-ledger created without the index.
 */
type Item = Record<string, unknown> & { pk: string; sk: string };
const V3 = 'test/fixtures/ledger-v3.json';
const SCOPES = [{ accountId: '123456789012', region: 'us-east-1' }, { accountId: '123456789012', region: 'eu-west-1' }, { accountId: '111122223333', region: 'us-west-2' }];
const fixture = async () => (JSON.parse(await readFile(V3, 'utf8')) as { items: Item[] }).items;
const scopeItem = (i: Item) => i.scope !== undefined && (i.sk === 'F' || i.sk.startsWith('R#') || i.sk.startsWith('C#'));
const withoutScopeKeys = ({ g4pk: _p, g4sk: _s, ...rest }: Item) => rest;
const NOW = () => new Date('2026-11-22T00:00:00Z');

async function put(engine: EmbeddedDynamoDb | { client: DynamoDBClient; tableName: string }, items: readonly Item[]): Promise<void> {
  const doc = DynamoDBDocumentClient.from(engine.client);
  for (let i = 0; i < items.length; i += 25) await doc.send(new BatchWriteCommand({ RequestItems: { [engine.tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
}

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

async function v3Ledger(): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'ecr-ledger-v3-')), 'ledger');
  const engine = await startEmbeddedDynamoDb(dir);
  await put(engine, await fixture());
  await engine.close();
  return dir;
}

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), clock: NOW });
  return { code, out: out.join('\n'), err: err.join('\n'), json: () => JSON.parse(out.join('\n')) };
}

/** What a scope held as layout 3 read it (every fact item with its scope attribute), as facts and history. */
async function readAsLayout3(scope: { accountId: string; region: string }) {
  const all = await fixture();
  const items = all.filter((i) => i.scope === `${scope.accountId}#${scope.region}` && i.sk === 'F') as unknown as FactItem[];
  const watermark = all.find((i) => i.pk === 'WATERMARK' && i.sk === `${scope.accountId}#${scope.region}`)?.watermark as { capturedAt: string } | undefined;
  return itemsToFacts(scope, items, watermark?.capturedAt ?? new Date(0).toISOString());
}

describe('layout 3 to 4: the scope index', () => {
  it('adds the scope keys to every item of a scope and nothing else; each scope then reads by Query exactly what it held', async () => {
    const dir = await v3Ledger();
    const before = await fixture();
    expect((await cli('plan', '--ledger', dir)).err).toContain('(layout 3): run `ecr-ledger upgrade --ledger');
    const upgraded = await cli('upgrade', '--ledger', dir, '--output', 'json', '--quiet');
    expect(upgraded.code).toBe(0);
    expect(upgraded.json()).toMatchObject({ from: 3, to: LAYOUT_VERSION, converted: before.filter(scopeItem).length, resumed: false });

    const engine = await startEmbeddedDynamoDb(dir);
    try {
      const after = new Map((await scanAll(engine)).map((i) => [`${i.pk}|${i.sk}`, i]));
      expect(after.size).toBe(before.length);
      for (const item of before.filter((i) => i.pk !== 'LAYOUT')) {
        const now = after.get(`${item.pk}|${item.sk}`)!;
        expect(withoutScopeKeys(now), `${item.pk} ${item.sk}`).toEqual(item); // pins, history, tombstones, audit: as they were
        if (scopeItem(item)) expect(now.g4pk, item.pk).toMatch(new RegExp(`^${String(item.scope)}#all#\\d\\d$`));
        else expect(now.g4pk, item.pk).toBeUndefined();
      }
      const ledger = new DynamoDbLedger(engine.client, engine.tableName);
      const sent: string[] = [];
      engine.client.middlewareStack.add((next, context) => async (args) => { sent.push(String(context.commandName)); return next(args); }, { step: 'initialize', name: 'count' });
      for (const scope of SCOPES) {
        const expected = await readAsLayout3(scope);
        const loaded = await ledger.load(scope);
        expect(Object.values(expected.facts).some((v) => Array.isArray(v) && v.length > 0), `${scope.region} holds facts`).toBe(true);
        expect(sorted(loaded.facts), `${scope.region}`).toEqual(sorted(expected.facts));
        expect(loaded.history).toEqual(expected.history);
      }
      // Each scope by Query of its shards of the scope index: no table Scan.
      expect(sent).not.toContain('ScanCommand');
      expect(sent.filter((c) => c === 'QueryCommand').length).toBeGreaterThanOrEqual(3 * 16);
    } finally {
      await engine.close();
    }
    expect((await cli('upgrade', '--ledger', dir, '--output', 'json', '--quiet')).json()).toMatchObject({ from: LAYOUT_VERSION, to: LAYOUT_VERSION, converted: 0 });
    const pins = await cli('pins', '--ledger', dir, '--scope', '123456789012/eu-west-1', '--output', 'json');
    expect(pins.json().pins.map((p: { reason: string }) => p.reason).sort()).toEqual(['canary until the migration', 'until the layout-4 release']);
  });

  it('resumes after a crash from its cursor and converges to the same table', async () => {
    const crashed = await v3Ledger();
    const engine = await startEmbeddedDynamoDb(crashed);
    let updates = 0;
    engine.client.middlewareStack.add((next, context) => async (args) => {
      if (context.commandName === 'UpdateItemCommand' && ++updates === 120) throw new Error('the process was killed');
      return next(args);
    }, { step: 'initialize', name: 'crash' });
    await expect(new DynamoDbLedger(engine.client, engine.tableName).layout.upgrade(undefined, 25)).rejects.toThrow('the process was killed');
    const ledger = new DynamoDbLedger(engine.client, engine.tableName);
    expect(await ledger.layout.version()).toBe(3);
    expect(await ledger.layout.upgrade(undefined, 25)).toMatchObject({ from: 3, to: LAYOUT_VERSION, resumed: true });
    const afterCrash = (await scanAll(engine)).filter((i) => i.pk !== 'LAYOUT').map((i) => JSON.stringify(i)).sort();
    await engine.close();

    const clean = await v3Ledger();
    expect((await cli('upgrade', '--ledger', clean, '--quiet')).code).toBe(0);
    const cleanEngine = await startEmbeddedDynamoDb(clean);
    const straight = (await scanAll(cleanEngine)).filter((i) => i.pk !== 'LAYOUT').map((i) => JSON.stringify(i)).sort();
    await cleanEngine.close();
    expect(afterCrash).toEqual(straight);
  });

  it('a ledger directory whose table has no scope index (created before layout 4) is copied whole into one that has it, then upgraded', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'ecr-ledger-old-table-')), 'ledger');
    // The table as ecr-ledger created it before layout 4: three indexes.
    const server = dynalite({ createTableMs: 0, path: dir });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const client = new DynamoDBClient({ endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const definition = ledgerTableDefinition(EMBEDDED_TABLE);
    await client.send(new CreateTableCommand({
      ...definition, GlobalSecondaryIndexes: definition.GlobalSecondaryIndexes!.filter((i) => i.IndexName !== SCOPE_INDEX),
      AttributeDefinitions: definition.AttributeDefinitions!.filter((a) => a.AttributeName !== 'g4pk' && a.AttributeName !== 'g4sk'),
    }));
    const items = await fixture();
    await put({ client, tableName: EMBEDDED_TABLE }, items);
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));

    const upgraded = await cli('upgrade', '--ledger', dir, '--output', 'json', '--quiet');
    expect(upgraded.code, upgraded.err).toBe(0);
    expect(upgraded.json()).toMatchObject({ from: 3, to: LAYOUT_VERSION });
    const engine = await startEmbeddedDynamoDb(dir);
    try {
      expect(engine.tableName).toBe(`${EMBEDDED_TABLE}-4`);
      const after = await scanAll(engine);
      expect(after.filter((i) => i.pk !== 'LAYOUT').map(withoutScopeKeys).map((i) => JSON.stringify(i)).sort())
        .toEqual(items.filter((i) => i.pk !== 'LAYOUT').map((i) => JSON.stringify(i)).sort());
      const loaded = await new DynamoDbLedger(engine.client, engine.tableName).load(SCOPES[1]!);
      expect(sorted(loaded.facts)).toEqual(sorted((await readAsLayout3(SCOPES[1]!)).facts));
    } finally {
      await engine.close();
    }
  });
});

/** Facts with every list in a stable order (a Query returns them in the index's order, a Scan in the table's). */
function sorted(facts: object): object {
  return Object.fromEntries(Object.entries(facts).map(([k, v]) => [k, Array.isArray(v) ? [...v].map((x) => JSON.stringify(x)).sort() : v]));
}
