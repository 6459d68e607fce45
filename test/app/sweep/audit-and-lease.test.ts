import { afterEach, describe, expect, it } from 'vitest';
import { AwsCaller } from '../../../src/adapters/aws/caller.js';
import { LiveSweepAws } from '../../../src/adapters/aws/sweep-aws.js';
import type { SweepStore } from '../../../src/app/ports.js';
import { auditHistory } from '../../../src/app/sweep/history.js';
import { LEASE_MS } from '../../../src/app/sweep/lease.js';
import { sweep } from '../../../src/app/sweep/sweep.js';
import { digest } from '../../fixtures/account-builder.js';
import { FakeAccount } from '../../fakes/fake-account.js';
import { day, HOST, SCOPE, SweepWorld } from '../../fixtures/sweep-world.js';

let world: SweepWorld;
afterEach(async () => world?.close());

const MINUTE = 60_000;
const at = (base: Date, minutes: number) => new Date(base.getTime() + minutes * MINUTE);

/** 250 unused images in `big` and one in use (`live`, run by service web). */
async function bigWorld(): Promise<SweepWorld> {
  world = await SweepWorld.start();
  for (let i = 0; i < 250; i += 1) world.image('big', `b-${i}`, [], 30);
  world.image('big', 'live', ['live']);
  const td = world.account.ecs.addTaskDefinition('web', 1, { web: `${HOST}/big:live` });
  world.account.ecs.addService('prod', { serviceName: 'web', deployments: [{ id: 'd1', status: 'PRIMARY', taskDefinition: td }] });
  await world.ready();
  return world;
}

/**
 * The ledger as a run sees it when its invocation dies at its `call`-th deleting call: after ECR acted on it, before
 * the response is recorded (or, with 'before', after the intents are written and before the call reaches ECR).
 */
function diesAfterCall(call: number, when: 'after' | 'before' = 'after'): SweepStore {
  let calls = 0;
  const died = () => new Error('the invocation died (a timeout, an out-of-memory)');
  return Object.assign(Object.create(world.ledger.sweep) as SweepStore, {
    recordIntents: async (...args: Parameters<SweepStore['recordIntents']>) => {
      await world.ledger.sweep.recordIntents(...args);
      calls += 1;
      if (when === 'before' && calls === call) throw died();
    },
    recordAudit: async (...args: Parameters<SweepStore['recordAudit']>) => {
      if (when === 'after' && calls === call) throw died();
      await world.ledger.sweep.recordAudit(...args);
    },
  });
}

const history = (by = 'history', now = day(3), account = world.account) => auditHistory({
  store: world.ledger.sweep, events: world.ledger.events, config: world.config, warn: () => undefined,
  aws: () => new LiveSweepAws(account.clients(), new AwsCaller({ sleep: async () => undefined }), SCOPE, world.config, () => day(3)),
}, SCOPE, { now: now.toISOString(), by });

const ledgerDigests = async () => (await world.ledger.load(SCOPE)).facts.images.map((i) => i.imageDigest);

describe('the audit trail is written ahead: every image that left ECR has a record, even after a crash', () => {
  it('a run that dies after ECR deleted a batch leaves pending intents; history settles them as deleted by that run', async () => {
    await bigWorld();
    await expect(world.sweep(day(3), false, 'dies', { store: diesAfterCall(2) })).rejects.toThrow(/the invocation died/);
    expect(world.account.ecr.deleted).toHaveLength(200); // the second call reached ECR; its response never came back
    expect(world.exists('big', 'live')).toBe(true);
    expect(await world.ledger.sweep.pendingIntents(SCOPE)).toHaveLength(100);
    expect((await world.ledger.sweep.audit(SCOPE, { now: day(3).toISOString() })).filter((r) => r.status === 'deleted')).toHaveLength(100);

    const records = await history();
    expect(records.filter((r) => r.status === 'deleted')).toHaveLength(200);
    const confirmed = records.filter((r) => r.confirmedBy === 'history');
    expect(confirmed).toHaveLength(100);
    expect(confirmed.every((r) => r.runId === 'dies' && r.status === 'deleted')).toBe(true);
    expect(await world.ledger.sweep.pendingIntents(SCOPE)).toEqual([]);
    // who-uses stops finding the images that went
    const held = await ledgerDigests();
    expect(held).toHaveLength(51);
    expect(held).toContain(digest('live'));
  });

  it('history refuses to settle with credentials of another account: the pending intents stay pending, nothing is tombstoned', async () => {
    await bigWorld();
    await expect(world.sweep(day(3), false, 'dies', { store: diesAfterCall(2) })).rejects.toThrow(/the invocation died/);
    const other = new FakeAccount('999999999999', SCOPE.region);
    const before = await ledgerDigests();
    await expect(history('history', day(3), other)).rejects.toThrow('the credentials act for account 999999999999, but the settling of the audit trail is of 123456789012/us-east-1');
    expect(await world.ledger.sweep.pendingIntents(SCOPE)).toHaveLength(100);
    expect(await ledgerDigests()).toEqual(before);
  });

  it('the next sweep settles what a dead run left, records an image still present as not-deleted, and deletes the rest', async () => {
    await bigWorld();
    await expect(world.sweep(day(3), false, 'dies', { store: diesAfterCall(1, 'before') })).rejects.toThrow(/the invocation died/);
    expect(world.account.ecr.deleted).toHaveLength(0); // the call never reached ECR
    expect(await world.ledger.sweep.pendingIntents(SCOPE)).toHaveLength(100);

    const next = await world.sweep(day(3), false, 'next');
    expect(next.settledFromEarlierRuns).toHaveLength(100);
    expect(next.settledFromEarlierRuns.every((r) => r.status === 'not-deleted' && r.confirmedBy === 'next' && r.runId === 'dies')).toBe(true);
    expect(next.images).toHaveLength(250);
    expect(world.exists('big', 'live')).toBe(true);
    const audit = await world.ledger.sweep.audit(SCOPE, { now: day(3).toISOString() });
    expect(audit.filter((r) => r.runId === 'next' && r.status === 'deleted')).toHaveLength(250);
    expect(audit.some((r) => r.imageDigest === digest('live'))).toBe(false);
  });

  it('records failed deletions with ECR\'s code, and history --output json carries a status on every record', async () => {
    await bigWorld();
    world.account.ecr.failingDeletes.set(digest('b-7'), 'KmsError');
    await world.sweep(day(3));
    const records = await history();
    expect(new Set(records.map((r) => r.status))).toEqual(new Set(['deleted', 'failed']));
    expect(records.find((r) => r.status === 'failed')).toMatchObject({ imageDigest: digest('b-7'), failure: { code: 'KmsError' } });
  });

  it('the live check removes from the ledger a candidate that is gone from ECR, so who-uses stops returning it', async () => {
    await bigWorld();
    world.account.ecr.removeImage('big', digest('b-3'));
    await world.sweep(day(3), true); // a dry run writes nothing
    expect(await ledgerDigests()).toContain(digest('b-3'));
    await world.sweep(day(3));
    expect(await ledgerDigests()).not.toContain(digest('b-3'));
    expect(await ledgerDigests()).toContain(digest('live'));
  });

  it('history leaves alone the intents of the run that holds the lease now', async () => {
    await bigWorld();
    const store = world.ledger.sweep;
    await store.acquireLock(SCOPE, 'running', day(3).toISOString(), at(day(3), 15).toISOString());
    await store.recordIntents(SCOPE, [{ runId: 'running', at: day(3).toISOString(), action: 'delete', status: 'pending', repositoryName: 'big', imageDigest: digest('b-1'), imageTags: [], imageSizeInBytes: 1, imagePushedAt: day(-30).toISOString(), reasons: [], referrers: [] }], at(day(3), 60 * 24).toISOString());
    const records = await history('history', at(day(3), 5));
    expect(records.map((r) => [r.runId, r.status])).toEqual([['running', 'pending']]);
  });
});

describe('the run lock is a lease of 15 minutes, renewed while the run works', () => {
  it('a crashed run blocks the next run for at most 15 minutes, and the refusal says who holds it until when', async () => {
    await bigWorld();
    const crashedAt = at(day(3), -1);
    await world.ledger.sweep.acquireLock(SCOPE, 'crashed', crashedAt.toISOString(), new Date(crashedAt.getTime() + LEASE_MS).toISOString());
    await expect(world.sweep(at(day(3), 10))).rejects.toThrow(`another sweep of 123456789012/us-east-1 holds the run lock: run crashed holds it since ${crashedAt.toISOString()}; it expires at ${at(crashedAt, 15).toISOString()}`);
    expect(world.account.ecr.deleted).toEqual([]);
    expect((await world.sweep(at(day(3), 15))).images).toHaveLength(250);
  });

  it('a run renews its lease before every deleting call: a run started later cannot take it while the first works', async () => {
    await bigWorld();
    let minutes = 0;
    const clock = () => at(day(3), minutes);
    const aws = new LiveSweepAws(world.account.clients(), new AwsCaller({ sleep: async () => undefined }), SCOPE, world.config, () => day(3));
    const store: SweepStore = Object.assign(Object.create(world.ledger.sweep) as SweepStore, {
      recordAudit: async (...args: Parameters<SweepStore['recordAudit']>) => {
        await world.ledger.sweep.recordAudit(...args);
        minutes += 10; // each batch takes 10 minutes: the run outlives its first lease
        const other = await world.ledger.sweep.acquireLock(SCOPE, 'intruder', clock().toISOString(), at(clock(), 15).toISOString());
        expect(other.acquired).toBe(false);
      },
    });
    const report = await sweep({ store, events: world.ledger.events, aws, config: world.config, clock, index: world.ledger.usageIndex() }, SCOPE, { dryRun: false, runId: 'long' });
    expect(report.images).toHaveLength(250);
    expect(minutes).toBe(30);
  });

  it('a run whose lease was taken by another stops deleting at its next call', async () => {
    await bigWorld();
    const store: SweepStore = Object.assign(Object.create(world.ledger.sweep) as SweepStore, {
      recordAudit: async (...args: Parameters<SweepStore['recordAudit']>) => {
        await world.ledger.sweep.recordAudit(...args);
        await world.ledger.sweep.releaseLock(SCOPE, 'slow'); // as if the lease expired…
        await world.ledger.sweep.acquireLock(SCOPE, 'other', day(3).toISOString(), at(day(3), 15).toISOString()); // …and another run took it
      },
    });
    const aws = new LiveSweepAws(world.account.clients(), new AwsCaller({ sleep: async () => undefined }), SCOPE, world.config, () => day(3));
    await expect(sweep({ store, events: world.ledger.events, aws, config: world.config, clock: () => day(3), index: world.ledger.usageIndex() }, SCOPE, { dryRun: false, runId: 'slow' }))
      .rejects.toThrow('run slow lost the run lock of 123456789012/us-east-1 (it expired and another run took it): it stopped before deleting more');
    expect(world.account.ecr.deleted).toHaveLength(100);
    expect((await world.ledger.sweep.lockHolder(SCOPE))?.runId).toBe('other');
  });
});
