import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbLedger } from '../../src/adapters/dynamodb-ledger.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../src/adapters/embedded-dynamodb.js';
import { reconcileLedger } from '../../src/app/reconcile.js';
import { defaultConfig } from '../../src/config.js';
import { createWhoUsesHttpHandler } from '../../src/handlers/who-uses-http.js';
import { readSnapshotFile } from '../../src/snapshot/read-snapshot.js';

describe('the who-uses HTTP endpoint', () => {
  let engine: EmbeddedDynamoDb;
  let handler: ReturnType<typeof createWhoUsesHttpHandler>;
  const get = async (image?: string, method = 'GET') => {
    const response = await handler({ rawPath: '/', ...(image !== undefined && { queryStringParameters: { image } }), requestContext: { http: { method } } }, {} as never);
    return { status: response.statusCode, body: JSON.parse(response.body) };
  };

  beforeAll(async () => {
    engine = await startEmbeddedDynamoDb();
    const ledger = new DynamoDbLedger(engine.client, engine.tableName);
    await reconcileLedger({ ledger, clock: () => new Date('2026-11-10T07:00:00Z') }, { facts: await readSnapshotFile('examples/account.json'), config: defaultConfig(), source: 'test' });
    handler = createWhoUsesHttpHandler({ index: () => ledger.usageIndex(), config: defaultConfig(), home: { accountId: '123456789012', region: 'us-east-1' }, clock: () => new Date('2026-11-10T07:00:00Z'), log: () => undefined });
  });
  afterAll(async () => engine.close());

  it('answers by tag, by digest and by URI with the CLI JSON shape', async () => {
    const byTag = await get('fluentd:bbbb');
    expect(byTag.status).toBe(200);
    expect(Object.keys(byTag.body)).toEqual(['query', 'images']);
    const [image] = byTag.body.images;
    expect(image.referrers).toContainEqual(expect.objectContaining({ kind: 'ecs-service', protecting: true }));
    expect((await get(`fluentd@${image.imageDigest}`)).body.images).toEqual(byTag.body.images);
    expect((await get(`123456789012.dkr.ecr.us-east-1.amazonaws.com/fluentd@${image.imageDigest}`)).body.images).toEqual(byTag.body.images);
  });

  it('400 for a malformed reference or none, 404 for an unknown image, 405 for other methods', async () => {
    expect(await get('Bad:Ref:x')).toMatchObject({ status: 400, body: { error: expect.stringContaining('invalid image reference') } });
    expect((await get()).status).toBe(400);
    expect(await get('nope:1')).toMatchObject({ status: 404, body: { error: expect.stringContaining('nope:1 is not in the ledger') } });
    expect((await get('fluentd:bbbb', 'POST')).status).toBe(405);
  });
});
