import { describe, expect, it } from 'vitest';
import { applyEvent } from '../../../src/app/events/apply-event.js';
import { inUseDeletionText, outsideDeletions, type InUseDeletion } from '../../../src/app/undo/outside-deletion.js';
import { reportUsage } from '../../../src/app/usage-reports.js';
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

  it('its news comes after the news of the use\'s end (a report dropped the image meanwhile): it was in use when it went, and is told (found by the simulator, seed 2561)', async () => {
    const world = new World(embedded.ledger);
    const digest = await world.push('app', 'v3');
    const report = (images: string[], at = world.now, source = 'edge') => reportUsage({ reports: embedded.ledger.reports, events: embedded.ledger.events, index: embedded.ledger.usageIndex(), config: defaultConfig() }, SCOPE, {
      source, reportedAt: at, images: images.map((image) => ({ image, workloads: ['edge/deploy/app'] })),
    });
    await report([`${HOST}/app@${digest}`]);
    const deletedAt = world.now;
    world.account.ecr.removeImage('app', digest); // deleted outside ecr-ledger while the source runs it; its DELETE comes late
    world.tick();
    await report([]); // the source's next report leaves it out
    const told: InUseDeletion[] = [];
    const late = { ...deleteEvent(deletedAt, digest, 'v3'), detail: { ...deleteEvent(deletedAt, digest, 'v3').detail } };
    delete (late.detail as { 'image-tag'?: string })['image-tag'];
    await deliverWithDeletions(world, late, told);
    expect(told.map((d) => [d.image.imageDigest, d.useEndedAt])).toEqual([[digest, world.now]]);
    expect(inUseDeletionText(told[0]!)).toContain(`while in use by a use that ended at ${world.now} (after the deletion; the ledger no longer names it)`);
    // A deletion after the use had ended is no news to anybody.
    const later = new World(embedded.ledger);
    const other = await later.push('app', 'v4', 'app-v4');
    await report([`${HOST}/app@${other}`], later.now, 'edge-b');
    later.tick(2);
    await report([], later.now, 'edge-b');
    later.tick();
    later.account.ecr.removeImage('app', other);
    const quiet: InUseDeletion[] = [];
    await deliverWithDeletions(later, { ...late, id: 'delete-v4', time: later.now, detail: { ...late.detail, 'image-digest': other } }, quiet);
    expect(quiet).toEqual([]);
  });
});
