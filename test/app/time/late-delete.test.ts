import { describe, expect, it } from 'vitest';
import { reconcileFromAws } from '../../../src/app/live.js';
import { whoUsesFromIndex } from '../../../src/app/who-uses.js';
import { defaultConfig, parseConfig } from '../../../src/config.js';
import { embeddedLedger } from '../../fixtures/embedded-ledger.js';
import { HOST, World } from '../../fixtures/events/world.js';

/** Events arrive out of order (issue 24, point 6, and the future release stamp). */
const SCOPE = { accountId: '123456789012', region: 'us-east-1' };
const embedded = embeddedLedger('each');
const deleteEvent = (time: string, imageDigest: string, tag?: string) => ({
  version: '0', id: `late-delete-${time}`, 'detail-type': 'ECR Image Action', source: 'aws.ecr', account: SCOPE.accountId, time, region: SCOPE.region, resources: [],
  detail: { result: 'SUCCESS', 'repository-name': 'app', 'image-digest': imageDigest, 'action-type': 'DELETE', ...(tag && { 'image-tag': tag }) },
});

describe('events out of order', () => {
  it('a DELETE delivered after a later push of the same digest does not drop the image', async () => {
    const world = new World(embedded.ledger);
    const digest = await world.push('app', 'v1');
    world.tick();
    await reconcileFromAws({ ledger: embedded.ledger, reader: world.account.reader({ clock: () => new Date(world.now) }), clock: () => new Date(world.now) }, defaultConfig());
    world.tick();
    const deletedAt = world.now; // deleted here …
    world.tick();
    await world.push('app', 'v1'); // … and pushed again (the same digest); the push event arrives first
    await world.deliver(deleteEvent(deletedAt, digest));
    const who = await whoUsesFromIndex(embedded.ledger.usageIndex(), `${HOST}/app@${digest}`, SCOPE, defaultConfig(), world.now);
    expect(who.images.map((i) => i.imageDigest)).toEqual([digest]);
  });

  it('a release stamped in the future (a stopped task) does not block the reconcile from updating the image', async () => {
    const config = parseConfig({});
    const world = new World(embedded.ledger);
    await world.push('app', 'v1');
    await world.register('app', 1, { main: `${HOST}/app:v1` });
    await world.task('one-off', 'app', 1, 'RUNNING');
    world.tick();
    await world.task('one-off', 'app', 1, 'STOPPED'); // released until stoppedAt + 24 h
    world.tick();
    const digest = world.account.ecr.digestOf('app', 'v1')!;
    const pulledAt = new Date(world.now);
    (world.account.ecr as unknown as { repositories: Map<string, { images: Map<string, { detail: { lastRecordedPullTime?: Date } }> }> }).repositories.get('app')!.images.get(digest)!.detail.lastRecordedPullTime = pulledAt; // only the reconcile learns of the pull
    await reconcileFromAws({ ledger: embedded.ledger, reader: world.account.reader({ config, clock: () => new Date(world.now) }), clock: () => new Date(world.now) }, config);
    const held = await embedded.ledger.load(SCOPE);
    expect(held.facts.images.find((i) => i.imageDigest === digest)?.lastRecordedPullTime).toBe(pulledAt.toISOString());
    expect(held.history.get(`app@${digest}`)?.protectedUntil).toBe(new Date(Date.parse(world.now) - 3_600_000 + 24 * 3_600_000).toISOString());
  });
});
