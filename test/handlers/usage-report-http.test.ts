import { beforeAll, describe, expect, it } from 'vitest';
import { reconcileLedger } from '../../src/app/reconcile.js';
import { whoUsesFromIndex } from '../../src/app/who-uses.js';
import { defaultConfig } from '../../src/config.js';
import { createUsageReportHandler } from '../../src/handlers/usage-report-http.js';
import { readSnapshotFile } from '../../src/snapshot/read-snapshot.js';
import { embeddedLedger } from '../fixtures/embedded-ledger.js';

const HOME = { accountId: '123456789012', region: 'us-east-1' };
const HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const context = {} as never;
const post = (body: unknown, method = 'POST') => ({ requestContext: { http: { method } }, body: Buffer.from(JSON.stringify(body)).toString('base64'), isBase64Encoded: true });

describe('the usage-report function URL (report-usage --url)', () => {
  const embedded = embeddedLedger('all');
  beforeAll(async () => {
    await reconcileLedger({ ledger: embedded.ledger, clock: () => new Date('2026-11-10T06:00:00Z') }, { facts: await readSnapshotFile('examples/account.json'), config: defaultConfig(), source: 'test' });
  });

  const handler = () => createUsageReportHandler({ reports: embedded.ledger.reports, events: embedded.ledger.events, index: embedded.ledger.usageIndex(), home: HOME, clock: () => new Date('2026-11-19T00:00:00Z'), log: () => undefined });

  it('stores a report in the deployment\'s scope: who-uses then names the source', async () => {
    const response = await handler()(post({ source: 'edge-cluster', reportedAt: '2026-11-18T23:59:00Z', images: [{ image: `${HOST}/checkout:r3`, workloads: ['Deployment edge/checkout'] }] }), context);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ source: 'edge-cluster', images: 1, removed: 0 });
    const who = await whoUsesFromIndex(embedded.ledger.usageIndex(), 'checkout:r3', HOME, defaultConfig(), '2026-11-19T00:00:00Z');
    expect(who.images[0]!.referrers.filter((r) => r.protecting)).toEqual([expect.objectContaining({ kind: 'usage-report', id: 'usage-report:edge-cluster', reason: expect.stringContaining('Deployment edge/checkout') })]);
  });

  it('answers 400 naming what is wrong, 409 for a report older than the one held, 405 for other methods', async () => {
    const bad = await handler()(post({ source: 'edge-cluster', reportedAt: '2026-11-18T23:59:00Z', images: [{ image: 42 }] }), context);
    expect([bad.statusCode, JSON.parse(bad.body).error]).toEqual([400, 'images[0].image: expected a string']);
    const malformed = await handler()(post({ source: 'edge-cluster', reportedAt: '2026-11-18T23:59:00Z', images: [{ image: `${HOST}/checkout:BAD TAG` }] }), context);
    expect(malformed.statusCode).toBe(400);
    expect(JSON.parse(malformed.body).error).toMatch(/^image 1 \(.*\): invalid image reference/);
    const older = await handler()(post({ source: 'edge-cluster', reportedAt: '2026-11-01T00:00:00Z', images: [] }), context);
    expect([older.statusCode, JSON.parse(older.body).error]).toEqual([409, 'source edge-cluster already has a newer report (2026-11-18T23:59:00.000Z) than this one (2026-11-01T00:00:00.000Z); nothing was written']);
    expect((await handler()(post({}, 'GET'), context)).statusCode).toBe(405);
  });
});
