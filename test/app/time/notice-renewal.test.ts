import { describe, expect, it } from 'vitest';
import { AwsCaller } from '../../../src/adapters/aws/caller.js';
import { LiveSweepAws } from '../../../src/adapters/aws/sweep-aws.js';
import { reconcileFromAws } from '../../../src/app/live.js';
import { announceDeletions } from '../../../src/app/notice.js';
import { sweep } from '../../../src/app/sweep/sweep.js';
import { parseConfig } from '../../../src/config.js';
import { embeddedLedger } from '../../fixtures/embedded-ledger.js';
import { World } from '../../fixtures/events/world.js';

/**
 * An announcement that no longer speaks for an image (pulled since, when pulls count) is replaced by the next notice,
 * and the image goes `daysAhead` after that one (found by the simulator's liveness check: the stale announcement was
 * kept, so the image waited for ever). The oracle is the fake ECR.
 */
const SCOPE = { accountId: '123456789012', region: 'us-east-1' };
const embedded = embeddedLedger('each');
const config = parseConfig({
  repositories: [{ pattern: '*', keepLatest: 0, olderThanDays: 0, graceDays: 0, keepTags: [], keepPulledWithinDays: 1 }],
  sweep: { minimumImageAgeHours: 0 }, notice: { daysAhead: 1 },
});

describe('an announcement made stale by a pull', () => {
  it('is replaced by the next notice, and the image goes a day after that', async () => {
    const world = new World(embedded.ledger);
    const clock = () => new Date(world.now);
    const night = async (runId: string) => {
      await reconcileFromAws({ ledger: embedded.ledger, reader: world.account.reader({ config, clock }), clock }, config);
      await announceDeletions({ store: embedded.ledger.sweep, announcements: embedded.ledger.announcements, config, clock, index: embedded.ledger.usageIndex(), deliver: async () => [{ channel: 'test', ok: true }] }, SCOPE, { ledgerFlag: '--ledger x' });
      const aws = new LiveSweepAws(world.account.clients(), new AwsCaller({ sleep: async () => undefined }), SCOPE, config, clock);
      await sweep({ store: embedded.ledger.sweep, events: embedded.ledger.events, announcements: embedded.ledger.announcements, aws, config, clock, index: embedded.ledger.usageIndex() }, SCOPE, { dryRun: false, runId });
    };
    const pulled = await world.push('app', 'v1');
    const other = await world.push('app', 'v2');
    await night('first'); // both announced, deletable a day later
    world.tick(2);
    (world.account.ecr as unknown as { repositories: Map<string, { images: Map<string, { detail: { lastRecordedPullTime?: Date } }> }> })
      .repositories.get('app')!.images.get(pulled)!.detail.lastRecordedPullTime = clock();
    world.tick(22);
    await night('second'); // the notice plans a day ahead: by then the pull is a day old, and it announces v1 again
    expect(world.account.ecr.hasImage('app', other)).toBe(false); // announced a day ago, nothing since
    expect(world.account.ecr.hasImage('app', pulled)).toBe(true); // pulled after its announcement: kept
    const held = await embedded.ledger.announcements.announcements(SCOPE, [{ repositoryName: 'app', imageDigest: pulled }]);
    expect(held.get(`app@${pulled}`)?.announcedAt).toBe(world.now);
    world.tick(24);
    await night('third');
    expect(world.account.ecr.hasImage('app', pulled)).toBe(false);
  });
});
