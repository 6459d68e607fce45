import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { reconcileLedger } from '../../src/app/reconcile.js';
import { whoUsesFromIndex } from '../../src/app/who-uses.js';
import { defaultConfig, parseConfig } from '../../src/config.js';
import { createUsageReportHandler } from '../../src/handlers/usage-report-http.js';
import { readSnapshotFile } from '../../src/snapshot/read-snapshot.js';
import { embeddedLedger } from '../fixtures/embedded-ledger.js';

const HOME = { accountId: '123456789012', region: 'us-east-1' };
const HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const context = {} as never;
const CRONJOB = 'arn:aws:sts::210987654321:assumed-role/edge-reporter/eks-edge-reporter-6f9c';
const post = (body: unknown, method = 'POST', userArn: string | undefined = CRONJOB) => ({
  requestContext: { http: { method }, ...(userArn && { authorizer: { iam: { userArn, accountId: userArn.split(':')[4] } } }) }, body: Buffer.from(JSON.stringify(body)).toString('base64'), isBase64Encoded: true,
});

describe('the usage-report function URL (report-usage --url)', () => {
  const embedded = embeddedLedger('all');
  beforeAll(async () => {
    await reconcileLedger({ ledger: embedded.ledger, clock: () => new Date('2026-11-10T06:00:00Z') }, { facts: await readSnapshotFile('examples/account.json'), config: defaultConfig(), source: 'test' });
  });

  const handler = (at = '2026-11-19T00:00:00Z', config = defaultConfig()) => createUsageReportHandler({ reports: embedded.ledger.reports, events: embedded.ledger.events, index: embedded.ledger.usageIndex(), home: HOME, clock: () => new Date(at), log: () => undefined, config });

  it('stores a report in the deployment\'s scope: who-uses then names the source', async () => {
    const response = await handler()(post({ source: 'edge-cluster', reportedAt: '2026-11-18T23:59:00Z', images: [{ image: `${HOST}/checkout:r3`, workloads: ['Deployment edge/checkout'] }] }), context);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ source: 'edge-cluster', images: 1, removed: 0 });
    const who = await whoUsesFromIndex(embedded.ledger.usageIndex(), 'checkout:r3', HOME, defaultConfig(), '2026-11-19T00:00:00Z');
    expect(who.images[0]!.referrers.filter((r) => r.protecting)).toEqual([expect.objectContaining({ kind: 'usage-report', id: 'usage-report:edge-cluster', reason: expect.stringContaining('Deployment edge/checkout') })]);
  });

  it('answers 400 naming what is wrong, 405 for other methods, 403 without a known caller', async () => {
    const bad = await handler()(post({ source: 'edge-cluster', reportedAt: '2026-11-18T23:59:00Z', images: [{ image: 42 }] }), context);
    expect([bad.statusCode, JSON.parse(bad.body).error]).toEqual([400, 'images[0].image: expected a string']);
    const malformed = await handler()(post({ source: 'edge-cluster', reportedAt: '2026-11-18T23:59:00Z', images: [{ image: `${HOST}/checkout:BAD TAG` }] }), context);
    expect(malformed.statusCode).toBe(400);
    expect(JSON.parse(malformed.body).error).toMatch(/^image 1 \(.*\): invalid image reference/);
    expect((await handler()(post({}, 'GET'), context)).statusCode).toBe(405);
    expect((await handler()(post({ source: 'edge-cluster', reportedAt: '2026-11-18T23:59:00Z', images: [] }, 'POST', ''), context)).statusCode).toBe(403);
  });
});

/** A usage source belongs to who sends it (issue 30, point 7). */
describe('who may speak for a usage source', () => {
  const embedded = embeddedLedger('each');
  const at = (time: string, config = defaultConfig()) => createUsageReportHandler({ reports: embedded.ledger.reports, events: embedded.ledger.events, index: embedded.ledger.usageIndex(), home: HOME, clock: () => new Date(time), log: () => undefined, config });
  const r3 = { image: `${HOST}/checkout:r3`, workloads: ['Deployment edge/checkout'] };
  const protectors = async (now: string) => (await whoUsesFromIndex(embedded.ledger.usageIndex(), 'checkout:r3', HOME, defaultConfig(), now)).images[0]!.referrers.filter((r) => r.protecting).map((r) => r.id);
  beforeEach(async () => {
    await reconcileLedger({ ledger: embedded.ledger, clock: () => new Date('2026-11-10T06:00:00Z') }, { facts: await readSnapshotFile('examples/account.json'), config: defaultConfig(), source: 'test' });
  });

  it('another principal\'s empty report, back-dated, is refused with 403 and changes nothing; the owner\'s next run (another session) is taken', async () => {
    expect((await at('2026-11-18T00:00:00Z')(post({ source: 'cluster-b', reportedAt: '2026-11-18T00:00:00Z', images: [r3] }), context)).statusCode).toBe(200);
    const intruder = await at('2026-11-19T00:00:00Z')(post({ source: 'cluster-b', reportedAt: '2026-11-18T00:00:01Z', images: [] }, 'POST', 'arn:aws:sts::210987654321:assumed-role/other-role/x'), context);
    expect(intruder.statusCode).toBe(403);
    expect(JSON.parse(intruder.body).error).toContain('source cluster-b belongs to arn:aws:sts::210987654321:assumed-role/edge-reporter, the first principal to report it');
    expect(await protectors('2026-11-19T00:00:00Z')).toContain('usage-report:cluster-b');
    const sources = await embedded.ledger.reports.sources(HOME);
    expect(sources).toEqual([expect.objectContaining({ name: 'cluster-b', principal: 'arn:aws:sts::210987654321:assumed-role/edge-reporter', reportedAt: '2026-11-18T00:00:00.000Z' })]);
    const again = await at('2026-11-19T01:00:00Z')(post({ source: 'cluster-b', reportedAt: '2026-11-19T01:00:00Z', images: [r3] }, 'POST', 'arn:aws:sts::210987654321:assumed-role/edge-reporter/another-session'), context);
    expect(again.statusCode).toBe(200);
  });

  it('reportedAt is the time of receipt: a back-dated report cannot release in the past (the client\'s time is kept for display)', async () => {
    await at('2026-11-18T00:00:00Z')(post({ source: 'cluster-b', reportedAt: '2026-11-18T00:00:00Z', images: [r3] }), context);
    const dropped = await at('2026-11-19T00:00:00Z')(post({ source: 'cluster-b', reportedAt: '2026-11-10T00:00:00Z', images: [] }), context);
    expect(dropped.statusCode).toBe(200);
    const [source] = await embedded.ledger.reports.sources(HOME);
    expect(source).toMatchObject({ reportedAt: '2026-11-19T00:00:00.000Z', clientReportedAt: '2026-11-10T00:00:00.000Z' });
    const digest = (await embedded.ledger.usageIndex().tagged(HOME, 'checkout', 'r3'))[0]!;
    expect((await embedded.ledger.load(HOME)).history.get(`checkout@${digest}`)?.releasedAt).toBe('2026-11-19T00:00:00.000Z');
  });

  it('eks: names are the reconcile\'s; usageSources.sources.NAME.principals admits other senders', async () => {
    const reserved = await at('2026-11-19T00:00:00Z')(post({ source: 'eks:prod', reportedAt: '2026-11-19T00:00:00Z', images: [] }), context);
    expect([reserved.statusCode, JSON.parse(reserved.body).error]).toEqual([403, expect.stringContaining('names starting with eks: are reserved')]);
    const config = parseConfig({ usageSources: { sources: { 'cluster-b': { principals: ['arn:aws:sts::210987654321:assumed-role/edge-*'] } } } });
    expect((await at('2026-11-18T00:00:00Z', config)(post({ source: 'cluster-b', reportedAt: '2026-11-18T00:00:00Z', images: [r3] }, 'POST', 'arn:aws:sts::210987654321:assumed-role/edge-a/s1'), context)).statusCode).toBe(200);
    expect((await at('2026-11-18T01:00:00Z', config)(post({ source: 'cluster-b', reportedAt: '2026-11-18T01:00:00Z', images: [r3] }, 'POST', 'arn:aws:sts::210987654321:assumed-role/edge-b/s2'), context)).statusCode).toBe(200);
    expect((await at('2026-11-18T02:00:00Z', config)(post({ source: 'cluster-b', reportedAt: '2026-11-18T02:00:00Z', images: [] }, 'POST', 'arn:aws:sts::210987654321:assumed-role/ci/s3'), context)).statusCode).toBe(403);
    // The shape the issue names, directly under usageSources, is read the same way.
    expect(parseConfig({ usageSources: { 'cluster-b': { principals: ['arn:aws:iam::210987654321:role/x'] } } }).usageSources.sources['cluster-b']?.principals).toEqual(['arn:aws:iam::210987654321:role/x']);
  });
});
