import { afterEach, describe, expect, it } from 'vitest';
import { UpdateImageStorageClassCommand } from '@aws-sdk/client-ecr';
import { createAwsClients } from '../../../src/adapters/aws/clients.js';
import type { SweepStore } from '../../../src/app/ports.js';
import { awsError } from '../../fakes/faults.js';
import { digest } from '../../fixtures/account-builder.js';
import { day, SCOPE, SweepWorld, SWEEP_CONFIG } from '../../fixtures/sweep-world.js';

/**
 * A deleting or archiving call whose outcome is unknown — its response lost after ECR acted, or a 5xx — is not
 * repeated blindly: a repeated BatchDeleteImage of images it already deleted answers ImageNotFound, and the run would
 * record them as gone before it ("already gone", someone else's). The run reads back what ECR holds and records what
 * happened. Oracle: the fake ECR's own log of what it deleted and archived.
 */
let world: SweepWorld;
afterEach(async () => world?.close());

async function unusedImages(config: object = SWEEP_CONFIG): Promise<SweepWorld> {
  world = await SweepWorld.start(config);
  for (let i = 0; i < 150; i += 1) world.image('old', `o-${i}`, [], 30);
  await world.ready();
  return world;
}

describe('a deleting call whose outcome is unknown', () => {
  it('its response lost after ECR deleted the batch: the run reads ECR back and records every image as deleted by it', async () => {
    await unusedImages();
    world.account.faults.loseResponse('ecr:BatchDeleteImage', 1);
    const report = await world.sweep(day(3), false, 'lost-response');
    expect(world.account.ecr.deleted).toHaveLength(150); // each deleted once: nothing asked twice
    expect(report.alreadyGone).toEqual([]);
    expect(report.images.filter((i) => i.outcome === 'deleted')).toHaveLength(150);
    const audit = await world.ledger.sweep.audit(SCOPE, { now: day(3).toISOString() });
    expect(audit.filter((r) => r.status === 'deleted')).toHaveLength(150);
    expect(await world.ledger.sweep.pendingIntents(SCOPE)).toEqual([]);
  });

  it('a 5xx before ECR acted: the images still there are asked again and deleted', async () => {
    await unusedImages();
    world.account.faults.failAt('ecr:BatchDeleteImage', 1, () => awsError('ServerException', 'injected', 500));
    const report = await world.sweep(day(3), false, 'server-error');
    expect(world.account.ecr.deleted).toHaveLength(150);
    expect(report.images.filter((i) => i.outcome === 'deleted')).toHaveLength(150);
    expect(report.failures).toEqual([]);
  });

  it('archiving: a lost response leaves the image archived, and the record says archived, not failed', async () => {
    await unusedImages({ ...SWEEP_CONFIG, sweep: { action: 'archive' } });
    world.account.faults.loseResponse('ecr:UpdateImageStorageClass', 1);
    const report = await world.sweep(day(3), false, 'lost-archive');
    expect(world.account.ecr.storageClassUpdates).toHaveLength(150);
    expect(report.failures).toEqual([]);
    expect(report.images.filter((i) => i.outcome === 'archived')).toHaveLength(150);
    expect(world.account.ecr.hasImage('old', digest('o-0'))).toBe(true);
  });

  it('still unknown after three attempts: the run stops with its intents pending, and the next run records what ECR holds', async () => {
    await unusedImages({ ...SWEEP_CONFIG, sweep: { action: 'archive' } });
    world.account.faults.failAt('ecr:UpdateImageStorageClass', 1, () => awsError('ServiceUnavailableException', 'injected', 503), 3);
    await expect(world.sweep(day(3), false, 'unknown')).rejects.toThrow(/ServiceUnavailableException/);
    expect(await world.ledger.sweep.pendingIntents(SCOPE)).not.toEqual([]);
    expect((await world.ledger.sweep.audit(SCOPE, { now: day(3).toISOString() })).some((r) => r.status === 'failed')).toBe(false);
    const next = await world.sweep(day(3), false, 'next');
    expect(next.settledFromEarlierRuns.every((r) => r.status === 'not-deleted')).toBe(true); // the fake never acted on a 503
    expect(next.images.filter((i) => i.outcome === 'archived')).toHaveLength(150);
  });

  it('a run that died after ECR archived: what someone restored since is still recorded as archived by that run (ECR\'s lastArchivedAt)', async () => {
    await unusedImages({ ...SWEEP_CONFIG, sweep: { action: 'archive' } });
    let calls = 0;
    const dies = Object.assign(Object.create(world.ledger.sweep) as SweepStore, {
      recordIntents: async (...args: Parameters<SweepStore['recordIntents']>) => { await world.ledger.sweep.recordIntents(...args); calls += 1; },
      recordAudit: async (...args: Parameters<SweepStore['recordAudit']>) => { if (calls > 0) throw new Error('the invocation died'); await world.ledger.sweep.recordAudit(...args); },
    });
    await expect(world.sweep(day(3), false, 'dies', { store: dies })).rejects.toThrow(/died/);
    const [archived] = world.account.ecr.storageClassUpdates.map((u) => u.slice(u.indexOf('@') + 1));
    await world.account.ecr.client.send(new UpdateImageStorageClassCommand({ repositoryName: 'old', imageId: { imageDigest: archived! }, targetStorageClass: 'STANDARD' }));
    const next = await world.sweep(day(3.1), false, 'next');
    expect(next.settledFromEarlierRuns.find((r) => r.imageDigest === archived)).toMatchObject({ runId: 'dies', status: 'archived', confirmedBy: 'next' });
  });

  it('a run that died after ECR deleted: a digest pushed again since is still recorded as deleted by that run (its new push time)', async () => {
    await unusedImages();
    let calls = 0;
    const dies = Object.assign(Object.create(world.ledger.sweep) as SweepStore, {
      recordIntents: async (...args: Parameters<SweepStore['recordIntents']>) => { await world.ledger.sweep.recordIntents(...args); calls += 1; },
      recordAudit: async (...args: Parameters<SweepStore['recordAudit']>) => { if (calls > 0) throw new Error('the invocation died'); await world.ledger.sweep.recordAudit(...args); },
    });
    await expect(world.sweep(day(3), false, 'dies', { store: dies })).rejects.toThrow(/died/);
    const again = world.account.ecr.deleted[0]!.slice('old@'.length);
    world.account.ecr.addImage('old', { imageDigest: again, imageTags: ['again'], imagePushedAt: day(3.05), imageSizeInBytes: 1 });
    const next = await world.sweep(day(3.1), false, 'next');
    expect(next.settledFromEarlierRuns.find((r) => r.imageDigest === again)).toMatchObject({ runId: 'dies', status: 'deleted', confirmedBy: 'next' });
    expect(world.account.ecr.hasImage('old', again)).toBe(true); // pushed again: the next run's grace starts from that push
  });

  it('the deployed clients leave retries of those calls to the run: the SDK does not repeat them', async () => {
    const clients = createAwsClients({ region: 'us-east-1' });
    try {
      expect(await clients.ecrActing!.config.maxAttempts()).toBe(1);
      expect(await clients.ecr.config.maxAttempts()).toBe(5);
    } finally {
      clients.destroy();
    }
  });
});
