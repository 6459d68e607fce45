import { describe, expect, it } from 'vitest';
import { AwsCaller } from '../../../src/adapters/aws/caller.js';
import { LiveSweepAws } from '../../../src/adapters/aws/sweep-aws.js';
import { reconcileFromAws } from '../../../src/app/live.js';
import { explainImages } from '../../../src/app/explain.js';
import { sweep } from '../../../src/app/sweep/sweep.js';
import { parseConfig } from '../../../src/config.js';
import { embeddedLedger } from '../../fixtures/embedded-ledger.js';
import { HOST, World } from '../../fixtures/events/world.js';

/** Time is protection too (issue 24, point 1): a stopped task protects its image for stoppedTaskRetentionHours, graceDays 0 or not. */
const SCOPE = { accountId: '123456789012', region: 'us-east-1' };
const config = parseConfig({ repositories: [{ pattern: '*', keepLatest: 0, olderThanDays: 0, graceDays: 0, keepTags: [], keepPulledWithinDays: 0 }], sweep: { minimumImageAgeHours: 0 } });
const embedded = embeddedLedger('each');

describe('a stopped task protects its image for stoppedTaskRetentionHours, in every path', () => {
  it('graceDays 0: two hours after the stop, with ECS no longer listing the task, the sweep keeps the image and explain says until when', async () => {
    const world = new World(embedded.ledger);
    await world.push('job', 'v1');
    await world.push('job', 'v2');
    await world.register('job', 1, { main: `${HOST}/job:v1` });
    await world.register('job', 2, { main: `${HOST}/job:v2` }); // job:1 is no longer the newest revision: only its task keeps v1
    await world.task('nightly', 'job', 1, 'RUNNING');
    world.tick();
    await reconcileFromAws({ ledger: embedded.ledger, reader: world.account.reader({ config, clock: () => new Date(world.now) }), clock: () => new Date(world.now) }, config);
    world.tick();
    await world.task('nightly', 'job', 1, 'STOPPED');
    const stoppedAt = world.now;
    world.account.ecs.clusters.get(world.account.ecs.clusterArn('prod'))!.tasks.clear(); // ECS lists a stopped task for about an hour
    world.tick(2);
    const at = new Date(world.now);
    const until = new Date(Date.parse(stoppedAt) + 24 * 3_600_000).toISOString();

    const held = await embedded.ledger.load(SCOPE);
    const [explained] = explainImages({ facts: held.facts, history: held.history, historySource: 'ledger', ...(held.watermark && { watermark: held.watermark }) }, `${HOST}/job:v1`, config, at.toISOString());
    expect(explained!.action).toBe('keep');
    expect(explained!.reasons).toContainEqual(expect.stringContaining(`task stopped at ${stoppedAt}, within stoppedTaskRetentionHours (24)`));
    // What the sweep has once its live read no longer lists the task: the STOPPED event's release, stamped at the end of the retention.
    expect(held.history.get(`job@${world.account.ecr.digestOf('job', 'v1')}`)?.protectedUntil).toBe(until);

    const aws = new LiveSweepAws(world.account.clients(), new AwsCaller({ sleep: async () => undefined }), SCOPE, config, () => at);
    const report = await sweep({ store: embedded.ledger.sweep, events: embedded.ledger.events, aws, config, clock: () => at, index: embedded.ledger.usageIndex() }, SCOPE, { dryRun: false, runId: 'night' });
    expect(report.images.map((i) => i.imageTags[0])).not.toContain('v1');
    expect(report.images.map((i) => i.imageTags[0])).toEqual([]); // v2: its revision is the newest
    expect(world.account.ecr.hasImage('job', world.account.ecr.digestOf('job', 'v1')!)).toBe(true);

    // A day and more after the stop, its protection has ended: the same sweep deletes it.
    world.tick(24);
    const later = new Date(world.now);
    await reconcileFromAws({ ledger: embedded.ledger, reader: world.account.reader({ config, clock: () => later }), clock: () => later }, config);
    const next = await sweep({ store: embedded.ledger.sweep, events: embedded.ledger.events, aws: new LiveSweepAws(world.account.clients(), new AwsCaller({ sleep: async () => undefined }), SCOPE, config, () => later), config, clock: () => later, index: embedded.ledger.usageIndex() }, SCOPE, { dryRun: false, runId: 'next' });
    expect(next.images.map((i) => i.imageTags[0])).toContain('v1');
  });
});
