import { UpdateImageStorageClassCommand } from '@aws-sdk/client-ecr';
import { afterEach, describe, expect, it } from 'vitest';
import { RefusedError } from '../../../src/errors.js';
import { LiveSweepAws } from '../../../src/adapters/aws/sweep-aws.js';
import { AwsCaller } from '../../../src/adapters/aws/caller.js';
import { reconcileLedger } from '../../../src/app/reconcile.js';
import type { SweepStore } from '../../../src/app/ports.js';
import { sweep } from '../../../src/app/sweep/sweep.js';
import { parseConfig } from '../../../src/config.js';
import { digest } from '../../fixtures/account-builder.js';
import { day, HOST, SCOPE, SweepWorld, SWEEP_CONFIG } from '../../fixtures/sweep-world.js';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
let world: SweepWorld;
afterEach(async () => world?.close());

/** An account where `app` runs `app:live` through service `web` and has two unused old builds. */
async function basicWorld(config: object = SWEEP_CONFIG): Promise<SweepWorld> {
  world = await SweepWorld.start(config);
  world.image('app', 'live', ['live']);
  world.image('app', 'old-1', ['old-1']);
  world.image('app', 'old-2', []);
  const td = world.account.ecs.addTaskDefinition('app', 1, { app: `${HOST}/app:live` });
  world.account.ecs.addService('prod', { serviceName: 'web', deployments: [{ id: 'd1', status: 'PRIMARY', taskDefinition: td }] });
  return world;
}

describe('sweep: deletes only what nothing uses', () => {
  it('deletes the unused images, keeps the one in use, records an audit trail and tombstones', async () => {
    await basicWorld();
    await world.ready();
    const report = await world.sweep(day(3));
    expect(report.images.map((i) => i.imageTags.join() || 'untagged').sort()).toEqual(['old-1', 'untagged']);
    expect(world.exists('app', 'live')).toBe(true);
    expect(world.exists('app', 'old-1')).toBe(false);
    const audit = await world.ledger.sweep.audit(SCOPE, { now: day(3).toISOString() });
    expect(audit.map((r) => r.imageDigest).sort()).toEqual([digest('old-1'), digest('old-2')].sort());
    expect(audit[0]!.reasons.length).toBeGreaterThan(0);
    expect((await world.ledger.load(SCOPE)).facts.images.map((i) => i.imageDigest)).toEqual([digest('live')]);
  });

  it('with sweep.action archive, moves the images to the archive storage class instead (restorable)', async () => {
    await basicWorld({ ...SWEEP_CONFIG, sweep: { action: 'archive' } });
    await world.ready();
    const report = await world.sweep(day(3));
    expect(report.action).toBe('archive');
    expect(report.images).toHaveLength(2);
    expect(world.exists('app', 'old-1')).toBe(true);
    const held = await world.ledger.load(SCOPE);
    expect(held.facts.images.find((i) => i.imageDigest === digest('old-1'))?.imageStatus).toBe('ARCHIVED');
    expect(world.account.ecr.calls(UpdateImageStorageClassCommand)).toBe(2);
    expect(world.account.ecr.mock.commandCalls(UpdateImageStorageClassCommand).map((c) => c.args[0].input.imageId?.imageDigest)).not.toContain(digest('live'));
    expect((await world.ledger.sweep.audit(SCOPE, { now: day(3).toISOString() })).map((r) => r.action)).toEqual(['archive', 'archive']);
    expect((await world.sweep(day(3), false, 'again')).images).toEqual([]); // already archived
  });

  it('drops a candidate deleted outside ecr-ledger since the reconcile, and goes on with the others', async () => {
    await basicWorld();
    await world.ready();
    world.account.ecr.removeImage('app', digest('old-2'));
    const report = await world.sweep(day(3));
    expect(report.images.map((i) => i.imageDigest)).toEqual([digest('old-1')]);
    expect(report.failures).toEqual([]);
    expect(world.exists('app', 'live')).toBe(true);
  });

  it('a dry run checks everything and deletes nothing', async () => {
    await basicWorld();
    await world.ready();
    const report = await world.sweep(day(3), true);
    expect(report.dryRun).toBe(true);
    expect(report.totals.images).toBe(2);
    expect(world.exists('app', 'old-1')).toBe(true);
  });

  it('refuses when the ledger is stale or was never reconciled', async () => {
    await basicWorld();
    await expect(world.sweep(day(3))).rejects.toThrow(/no reconcile has completed/);
    await world.reconcile(day(0));
    await expect(world.sweep(day(3))).rejects.toThrow(RefusedError);
    await expect(world.sweep(day(3))).rejects.toThrow(/the ledger is stale: the last reconcile finished .* more than maxLedgerAgeHours \(36\)/);
    expect(world.exists('app', 'old-1')).toBe(true);
  });

  it('keeps an image a task started running after the reconcile (an event was lost): the live check catches it', async () => {
    await basicWorld();
    await world.ready();
    world.account.ecs.addTask('prod', { taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/prod/manual', taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/app:1', lastStatus: 'RUNNING', containers: [{ name: 'x', image: `${HOST}/app:old-1`, imageDigest: digest('old-1') }] });
    await world.sweep(day(3));
    expect(world.exists('app', 'old-1')).toBe(true);
    expect(world.exists('app', 'old-2')).toBe(false);
  });

  it('keeps an image a used tag moved to after the reconcile', async () => {
    await basicWorld();
    await world.ready();
    world.account.ecr.retag('app', 'live', digest('old-2'), {});
    await world.sweep(day(3));
    expect(world.exists('app', 'old-2')).toBe(true);
  });

  it('keeps the children of a kept index and the signature of a kept image; deletes an unused index before its children', async () => {
    world = await SweepWorld.start();
    const child = (n: string) => world.image('web', n, [], 30);
    const [a, b, c, d] = ['amd-1', 'arm-1', 'amd-2', 'arm-2'].map(child);
    world.image('web', 'index-1', ['v1'], 30, { imageManifestMediaType: OCI_INDEX }, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ digest: a }, { digest: b }] });
    world.image('web', 'index-2', ['v2'], 30, { imageManifestMediaType: OCI_INDEX }, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ digest: c }, { digest: d }] });
    world.image('web', 'sig-1', [], 30, { artifactMediaType: 'application/vnd.dev.cosign.artifact.sig.v1+json', subjectManifestDigest: digest('index-1') }, { schemaVersion: 2, subject: { digest: digest('index-1') } });
    world.account.lambda.addVersion('fn', '$LATEST', { imageUri: `${HOST}/web:v1`, resolvedImageUri: `${HOST}/web@${digest('index-1')}` });
    await world.ready();
    const report = await world.sweep(day(3));
    for (const kept of ['index-1', 'amd-1', 'arm-1', 'sig-1']) expect(world.exists('web', kept), kept).toBe(true);
    for (const gone of ['index-2', 'amd-2', 'arm-2']) expect(world.exists('web', gone), gone).toBe(false);
    expect(report.images[0]!.imageDigest).toBe(digest('index-2'));
    expect(report.failures).toEqual([]);
  });

  it('keeps images younger than minimumImageAgeHours and every image of a repository shared with another account', async () => {
    world = await SweepWorld.start({ repositories: [{ pattern: '*', keepLatest: 0, olderThanDays: 0, graceDays: 0, keepTags: [], keepPulledWithinDays: 0 }] });
    world.image('app', 'fresh', [], -2.5); // pushed 2.5 days after T0: half a day old when the sweep runs on day 3
    world.image('app', 'old', [], 30);
    world.account.ecr.addRepository('shared', JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: ['ecr:BatchGetImage'] }] }));
    world.image('shared', 'base', [], 30);
    await world.ready();
    await world.sweep(day(3));
    expect(world.exists('app', 'fresh')).toBe(true);
    expect(world.exists('shared', 'base')).toBe(true);
    expect(world.exists('app', 'old')).toBe(false);
  });
});

describe('sweep: failures, caps, locks and scale', () => {
  it('reports partial BatchDeleteImage failures; the failed image stays in the ledger', async () => {
    await basicWorld();
    await world.ready();
    world.account.ecr.failingDeletes.set(digest('old-1'), 'KmsError');
    const report = await world.sweep(day(3));
    expect(report.failures).toEqual([expect.objectContaining({ imageDigest: digest('old-1'), code: 'KmsError' })]);
    expect(report.images.map((i) => i.imageDigest)).toEqual([digest('old-2')]);
    expect((await world.ledger.load(SCOPE)).facts.images.map((i) => i.imageDigest)).toContain(digest('old-1'));
  });

  it('retries throttling mid-run; after a crash between two batches a re-run converges', async () => {
    world = await SweepWorld.start();
    for (let i = 0; i < 250; i += 1) world.image('big', `b-${i}`, [], 30);
    await world.ready();
    world.account.faults.throttle('ecr:BatchDeleteImage', 2);
    // The invocation dies before its second deleting call (its intents written, the call not made).
    let intents = 0;
    const store = Object.assign(Object.create(world.ledger.sweep) as SweepStore, {
      recordIntents: async (...args: Parameters<SweepStore['recordIntents']>) => {
        await world.ledger.sweep.recordIntents(...args);
        if ((intents += 1) === 2) throw new Error('the invocation died');
      },
    });
    await expect(world.sweep(day(3), false, 'first', { store })).rejects.toThrow(/the invocation died/);
    expect(world.account.ecr.deleted).toHaveLength(100);
    const again = await world.sweep(day(3), false, 'second');
    expect(again.images).toHaveLength(150);
    expect(world.account.ecr.deleted).toHaveLength(250);
  });

  it('a second concurrent sweep refuses while the first holds the lock', async () => {
    await basicWorld();
    await world.ready();
    expect(await world.ledger.sweep.acquireLock(SCOPE, 'other-run', day(3).toISOString(), day(3.5).toISOString())).toEqual({ acquired: true });
    await expect(world.sweep(day(3))).rejects.toThrow(/another sweep .* holds the run lock: run other-run holds it since 2026-11-04T00:00:00.000Z; it expires at 2026-11-04T12:00:00.000Z/);
    expect(world.exists('app', 'old-1')).toBe(true);
    await world.ledger.sweep.releaseLock(SCOPE, 'other-run');
    expect((await world.sweep(day(3))).images).toHaveLength(2);
  });

  it('stops at maxDeletionsPerRun; more than 100 candidates in a repository of more than 1,000 images', async () => {
    world = await SweepWorld.start({ ...SWEEP_CONFIG, sweep: { maxDeletionsPerRun: 150 } });
    for (let i = 0; i < 1_100; i += 1) world.image('huge', `h-${i}`, [], i < 900 ? -2.9 : 30); // 900 are hours old: too young
    await world.ready();
    const report = await world.sweep(day(3));
    expect(report.images).toHaveLength(150);
    expect(report.skippedByCap).toBe(50);
    expect(world.account.ecr.calls((await import('@aws-sdk/client-ecr')).BatchDeleteImageCommand)).toBe(2);
  });
});

describe('sweep: referrers in the ledger\'s other scopes', () => {
  /** Account B (reconciled into the same ledger on day 3) has a task definition naming `base:stable` of this registry. */
  async function accountBNamesStable(): Promise<void> {
    const other = { accountId: '222222222222', region: 'us-east-1' };
    const facts = {
      scope: other, capturedAt: day(3).toISOString(), repositories: [], images: [], services: [], serviceDeployments: [], serviceRevisions: [], tasks: [], lambdaFunctions: [], lambdaAliases: [], pins: [],
      taskDefinitions: [{ taskDefinitionArn: 'arn:aws:ecs:us-east-1:222222222222:task-definition/job:1', family: 'job', revision: 1, status: 'ACTIVE', containers: [{ containerName: 'job', image: `${HOST}/base:stable` }] }],
    };
    await reconcileLedger({ ledger: world.ledger, clock: () => day(3) }, { facts, config: parseConfig({}), source: 'account B' });
  }

  /** The registry's sweep on day 3, with the ledger's index (the other scopes' references into its candidates). */
  const sweepWithIndex = (runId: string) => {
    const aws = new LiveSweepAws(world.account.clients(), new AwsCaller({ sleep: async () => undefined }), SCOPE, world.config, () => day(3));
    return sweep({ store: world.ledger.sweep, events: world.ledger.events, aws, config: world.config, clock: () => day(3), index: world.ledger.usageIndex() }, SCOPE, { dryRun: false, runId });
  };

  it('keeps an image only a task definition of another account uses (by tag), and deletes the rest', async () => {
    world = await SweepWorld.start();
    world.image('base', 'used-elsewhere', ['stable']);
    world.image('base', 'unused', ['old']);
    await world.ready();
    await accountBNamesStable();
    const report = await sweepWithIndex('cross');
    expect(world.exists('base', 'used-elsewhere')).toBe(true);
    expect(world.exists('base', 'unused')).toBe(false);
    expect(report.images.map((i) => i.imageTags)).toEqual([['old']]);
  });

  it('keeps a candidate another account names by a tag that moved onto it since the reconcile (the live tags decide)', async () => {
    world = await SweepWorld.start();
    world.image('base', 'was-stable', ['stable']);
    world.image('base', 'now-stable', []);
    world.image('base', 'unused', ['old']);
    // A service of this account runs `was-stable` by digest: it is no candidate, so the ledger's tag item names none.
    const td = world.account.ecs.addTaskDefinition('web', 1, { web: `${HOST}/base@${digest('was-stable')}` });
    world.account.ecs.addService('prod', { serviceName: 'web', deployments: [{ id: 'd1', status: 'PRIMARY', taskDefinition: td }] });
    await world.ready();
    await accountBNamesStable();
    // After the reconcile, `stable` moves onto an image the ledger has as a candidate (no event told it).
    world.account.ecr.retag('base', 'stable', digest('now-stable'), { imagePushedAt: new Date(), imageSizeInBytes: 1 });
    const report = await sweepWithIndex('moved');
    expect(world.exists('base', 'now-stable')).toBe(true);
    expect(world.exists('base', 'was-stable')).toBe(true);
    expect(report.images.map((i) => i.imageTags)).toEqual([['old']]);
  });
});
