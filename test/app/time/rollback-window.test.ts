import { describe, expect, it } from 'vitest';
import { embeddedLedger } from '../../fixtures/embedded-ledger.js';
import { HOST, World } from '../../fixtures/events/world.js';

/** A revision that leaves a service's rollback window is released then (issue 24, also noticed). */
const SCOPE = { accountId: '123456789012', region: 'us-east-1' };
const embedded = embeddedLedger('each');

describe('the rollback window moves with each deployment', () => {
  it('the revision that leaves the window is released when it leaves, not when it stopped being deployed', async () => {
    const world = new World(embedded.ledger);
    for (const n of [1, 2, 3]) {
      await world.push('app', `r${n}`);
      await world.register('app', n, { main: `${HOST}/app:r${n}` });
    }
    await world.deploy('app', 'app', 1);
    world.tick();
    await world.deploy('app', 'app', 2); // r1 is no longer deployed, but the service may roll back to it (rollbackRevisions 1)
    const replaced = world.now;
    world.tick(4);
    await world.deploy('app', 'app', 3); // r1 leaves the rollback window now; r2 is the rollback target
    const history = (await embedded.ledger.load(SCOPE)).history;
    expect(history.get(`app@${world.account.ecr.digestOf('app', 'r1')}`)?.releasedAt).toBe(world.now);
    expect(history.get(`app@${world.account.ecr.digestOf('app', 'r2')}`)?.releasedAt).toBe(world.now);
    expect(replaced < world.now).toBe(true);
  });
});
