import { describe, expect, it } from 'vitest';
import { applyEvent } from '../../../src/app/events/apply-event.js';
import { outsideDeletions, type InUseDeletion } from '../../../src/app/undo/outside-deletion.js';
import { defaultConfig } from '../../../src/config.js';
import { parseEvent } from '../../../src/events/parse-event.js';
import { embeddedLedger } from '../../fixtures/embedded-ledger.js';
import { HOST, World } from '../../fixtures/events/world.js';

/**
 * An outside DELETE that carries `image-tag` (the shape of AWS's own sample, shared/aws-events/ecr-image-action-delete.json)
 * is judged before the tag is forgotten (issue 29, point 7): what names the image by tag used it.
 */
const SCOPE = { accountId: '123456789012', region: 'us-east-1' };
const embedded = embeddedLedger('each');
const deleteEvent = (time: string, imageDigest: string, tag: string) => ({
  version: '0', id: `delete-${tag}`, 'detail-type': 'ECR Image Action', source: 'aws.ecr', account: SCOPE.accountId, time, region: SCOPE.region, resources: [],
  detail: { result: 'SUCCESS', 'repository-name': 'app', 'image-digest': imageDigest, 'action-type': 'DELETE', 'image-tag': tag },
});

async function deliverWithDeletions(world: World, event: unknown, told: InUseDeletion[]): Promise<void> {
  const config = defaultConfig();
  const parsed = parseEvent(event);
  if (!('apply' in parsed)) throw new Error('not applied');
  await applyEvent({
    ledger: embedded.ledger.events, lookups: world.lookups(), config, warn: () => undefined,
    deletions: outsideDeletions({ index: () => embedded.ledger.usageIndex(), store: embedded.ledger.sweep, config, tell: async (d) => { told.push(d); } }),
  }, parsed.apply);
}

describe('an outside DELETE with image-tag', () => {
  it('of an image a task definition names by that tag: recorded as deleted elsewhere, with who used it, and told', async () => {
    const world = new World(embedded.ledger);
    const digest = await world.push('app', 'v1');
    await world.register('app', 1, { main: `${HOST}/app:v1` }); // the newest revision: protects what app:v1 points to
    world.tick();
    world.account.ecr.removeImage('app', digest); // a lifecycle rule, or a person, deleted it
    const told: InUseDeletion[] = [];
    await deliverWithDeletions(world, deleteEvent(world.now, digest, 'v1'), told);
    expect(told.map((d) => [d.image.imageDigest, d.usedBy.map((r) => r.kind)])).toEqual([[digest, ['ecs-task-definition']]]);
    const audit = await embedded.ledger.sweep.audit(SCOPE, { now: world.now });
    expect(audit.map((r) => [r.status, r.imageDigest])).toEqual([['deleted-elsewhere', digest]]);
    expect((await embedded.ledger.load(SCOPE)).facts.images.map((i) => i.imageDigest)).not.toContain(digest);
  });

  it('a tag-only delete of an image still in ECR (tagged elsewhere) stays silent', async () => {
    const world = new World(embedded.ledger);
    const digest = await world.push('app', 'v1');
    await world.push('app', 'stable', 'app-v1'); // the same image under a second tag
    await world.register('app', 1, { main: `${HOST}/app:v1` });
    world.tick();
    const told: InUseDeletion[] = [];
    await deliverWithDeletions(world, deleteEvent(world.now, digest, 'v1'), told);
    expect(told).toEqual([]);
    expect(await embedded.ledger.sweep.audit(SCOPE, { now: world.now })).toEqual([]);
    expect((await embedded.ledger.load(SCOPE)).facts.images.map((i) => i.imageDigest)).toContain(digest);
  });
});
