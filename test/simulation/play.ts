import { AwsCaller } from '../../src/adapters/aws/caller.js';
import { LiveLookups } from '../../src/adapters/aws/lookups.js';
import { LiveSweepAws } from '../../src/adapters/aws/sweep-aws.js';
import { DynamoDbLedger } from '../../src/adapters/dynamodb-ledger.js';
import { startEmbeddedDynamoDb } from '../../src/adapters/embedded-dynamodb.js';
import { applyEvent } from '../../src/app/events/apply-event.js';
import { reconcileFromAws } from '../../src/app/live.js';
import { announceDeletions } from '../../src/app/notice.js';
import { pinImage, unpinImage } from '../../src/app/pins.js';
import { sweep } from '../../src/app/sweep/sweep.js';
import { outsideDeletions } from '../../src/app/undo/outside-deletion.js';
import { restoreImages } from '../../src/app/undo/restore.js';
import type { Config } from '../../src/config.js';
import { RefusedError } from '../../src/errors.js';
import { parseEvent } from '../../src/events/parse-event.js';
import { digest as digestOf } from '../fixtures/account-builder.js';
import { cloudTrailEvent } from '../fixtures/events/cloudtrail.js';
import { FakeAccount } from '../fakes/fake-account.js';
import type { Delivery, Op, Timeline } from './timeline.js';
import { Truth, type Promises } from './truth.js';
import { judgeLiveness, judgeSweep } from './oracle.js';
import { SimulatedBus } from './bus.js';
import { ecrState, finishRestores, recordPull, setManifest } from './registry.js';
import { configOf, HOST, HOUR, OCI_IMAGE, OCI_INDEX, REPO, RESTORE_HOURS, SCOPE, START, type Played } from './world.js';

export { configOf, type Played };

/**
 * Plays a timeline: the product's real code (event application, live reconcile, sweep, pins, restore, outside
 * deletions) against the project's fake account, events delivered as the timeline says, the truth kept apart.
 * After every sweep, restore and delivered deletion the oracle checks what really happened.
 */
export async function play(t: Timeline, o: { inspect?: (ledger: DynamoDbLedger, config: Config, now: string, kept: readonly string[]) => Promise<void> } = {}): Promise<Played> {
  const config = configOf(t);
  const promises: Promises = { ...t.setting, stoppedTaskRetentionHours: config.ecs.stoppedTaskRetentionHours };
  const engine = await startEmbeddedDynamoDb();
  const ledger = new DynamoDbLedger(engine.client, engine.tableName);
  const account = new FakeAccount(SCOPE.accountId, SCOPE.region);
  account.ecr.addRepository(REPO);
  const truth = new Truth();
  const violations: string[] = [];
  const stats = { deleted: 0, archived: 0, refused: 0, sweeps: 0 };
  let hour = 0;
  const nowMs = () => START + hour * HOUR;
  const now = () => new Date(nowMs());
  account.ecr.clock = now;
  const told = new Set<string>();
  const caller = () => new AwsCaller({ sleep: async () => undefined });
  const lookups = new LiveLookups(account.clients(), caller(), SCOPE, () => undefined);
  let builds = 0;
  let schedules = 0;
  let lastCapped = Number.NEGATIVE_INFINITY;
  const tasks: Array<{ id: string; family: string; digest: string; running: boolean }> = [];

  /** Deletions made elsewhere of images in use: each told one is noted, for the oracle's (5). */
  const deletions = outsideDeletions({ index: () => ledger.usageIndex(), store: ledger.sweep, config, tell: async (d) => { told.add(d.image.imageDigest); } });
  const apply = async (event: object) => {
    const parsed = parseEvent(event);
    if (!('apply' in parsed)) return;
    await applyEvent({
      ledger: ledger.events, lookups, config, warn: () => undefined,
      deletions,
    }, parsed.apply);
  };
  /** Sends an event as EventBridge would: its check runs when (if ever) it is applied. */
  const bus = new SimulatedBus(apply, SCOPE);
  const emit = (event: object, delivery: Delivery, check?: () => Promise<void>) => bus.send(event, delivery, check);
  const envelope = (detailType: string, source: string, detail: object, resources: string[] = []) => bus.envelope(now().toISOString(), detailType, source, detail, resources);
  const ecrAction = (detail: object) => envelope('ECR Image Action', 'aws.ecr', { result: 'SUCCESS', 'repository-name': REPO, ...detail });
  const tagged = (tag: string) => account.ecr.digestOf(REPO, tag);
  /** The image is gone from ECR: every tag that named it ends (in the truth as in ECR). */
  const untagAll = (d: string, at = nowMs()) => {
    for (const [tag, history] of truth.tagged) if (history.some((h) => h.to === undefined && h.digest === d)) truth.tag(tag, undefined, at);
  };
  const present = (d: string) => account.ecr.hasImage(REPO, d);

  const push = async (tag: string, imageDigest: string, media = OCI_IMAGE, manifest?: object) => {
    account.ecr.retag(REPO, tag, imageDigest, { imagePushedAt: now(), imageSizeInBytes: 1_000_000, imageManifestMediaType: media });
    truth.tag(tag, imageDigest, nowMs());
    if (manifest) setManifest(account.ecr, REPO, imageDigest, manifest);
    truth.pushedAt.set(imageDigest, nowMs());
    await emit(ecrAction({ 'image-digest': imageDigest, 'action-type': 'PUSH', 'image-tag': tag, 'manifest-media-type': media }), 'now');
  };
  /** Whether the fake ECR matches what a sweep report says it did, image by image. */
  const snapshot = () => ecrState(account.ecr, REPO);

  const step = async (o: Op): Promise<void> => {
    switch (o.op) {
      case 'push': await push(o.tag, digestOf(`build-${(builds += 1)}`)); break;
      case 'pushIndex': {
        const n = (builds += 1);
        const kids = [digestOf(`build-${n}-amd64`), digestOf(`build-${n}-arm64`)];
        for (const kid of kids) {
          account.ecr.addImage(REPO, { imageDigest: kid, imageTags: [], imagePushedAt: now(), imageSizeInBytes: 1_000_000, imageManifestMediaType: OCI_IMAGE });
          truth.pushedAt.set(kid, nowMs());
          await emit(ecrAction({ 'image-digest': kid, 'action-type': 'PUSH', 'manifest-media-type': OCI_IMAGE }), 'now');
        }
        const index = digestOf(`build-${n}-index`);
        truth.children.set(index, kids);
        await push(o.tag, index, OCI_INDEX, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: kids.map((d) => ({ mediaType: OCI_IMAGE, digest: d, size: 1 })) });
        break;
      }
      case 'repush': {
        const d = tagged(o.tag);
        if (!d || truth.children.has(d)) break; // an index is pushed again with its children: not modelled
        account.ecr.removeImage(REPO, d);
        untagAll(d); // ECR deletes the image with every tag that named it
        truth.pulledAt.delete(d); // ECR's record of its pulls goes with it (a pull the ledger read stays evidence)
        const deleted = ecrAction({ 'image-digest': d, 'action-type': 'DELETE' });
        if (o.deleteEvent === 'late') bus.hold(deleted);
        hour += 1;
        await push(o.tag, d);
        break;
      }
      case 'pushAgain': { // its PUSH event always arrives at once: a push nobody hears of cannot be promised anything
        const d = tagged(o.from);
        if (!d || truth.children.has(d) || (account.ecr.statusOf(REPO, d) ?? 'ACTIVE') !== 'ACTIVE') break;
        if (tagged(o.tag) === d) break; // the same digest under the tag it has: ECR answers ImageAlreadyExistsException, no event
        account.ecr.retag(REPO, o.tag, d, { imagePushedAt: now(), imageSizeInBytes: 1_000_000 }); // ECR keeps its first push time
        truth.tag(o.tag, d, nowMs());
        truth.pushedAgainAt.set(d, nowMs());
        await emit(ecrAction({ 'image-digest': d, 'action-type': 'PUSH', 'image-tag': o.tag, 'manifest-media-type': OCI_IMAGE }), 'now');
        break;
      }
      case 'run': {
        const d = tagged(o.tag);
        if (!d) break;
        const family = `job${tasks.length}`;
        const image = o.byDigest ? `${HOST}/${REPO}@${d}` : `${HOST}/${REPO}:${o.tag}`;
        for (const [revision, main] of [[1, image], [2, 'public.ecr.aws/docker/library/busybox:1']] as const) {
          const arn = account.ecs.addTaskDefinition(family, revision, { main });
          await emit(cloudTrailEvent('ecs', 'RegisterTaskDefinition', { time: now().toISOString(), requestParameters: { family }, responseElements: { taskDefinition: { ...account.ecs.taskDefinitions.get(`${family}:${revision}`)!, taskDefinitionArn: arn } } }), 'now');
        }
        tasks.push({ id: family, family, digest: d, running: true });
        truth.runs.push({ task: family, digest: d, from: nowMs() });
        if (!o.byDigest) truth.tagRuns.push({ task: family, tag: o.tag, from: nowMs() });
        await taskChange(tasks.at(-1)!, 'RUNNING', 'now');
        break;
      }
      case 'stop': {
        const task = tasks.filter((x) => x.running)[o.task];
        if (!task) break;
        task.running = false;
        truth.runs.find((r) => r.task === task.id)!.to = nowMs();
        for (const r of truth.tagRuns.filter((x) => x.task === task.id)) r.to = nowMs();
        await taskChange(task, 'STOPPED', o.delivery);
        break;
      }
      case 'schedule': {
        const d = tagged(o.tag);
        if (!d) break;
        const family = `cron${(schedules += 1)}`;
        const image = o.byDigest ? `${HOST}/${REPO}@${d}` : `${HOST}/${REPO}:${o.tag}`;
        const arn = account.ecs.addTaskDefinition(family, 1, { main: image });
        // Heard at once: a registration nobody hears of cannot be promised anything (the reconcile reads it later).
        await emit(cloudTrailEvent('ecs', 'RegisterTaskDefinition', { time: iso(), requestParameters: { family }, responseElements: { taskDefinition: { ...account.ecs.taskDefinitions.get(`${family}:1`)!, taskDefinitionArn: arn } } }), 'now');
        truth.schedules.push({ family, ...(o.byDigest ? { digest: d } : { tag: o.tag }), from: nowMs() });
        break;
      }
      case 'unschedule': {
        const open = truth.schedules.filter((x) => x.to === undefined)[o.which];
        if (!open) break;
        open.to = nowMs();
        const td = account.ecs.taskDefinitions.get(`${open.family}:1`)!;
        account.ecs.taskDefinitions.set(`${open.family}:1`, { ...td, status: 'INACTIVE' });
        await emit(cloudTrailEvent('ecs', 'DeregisterTaskDefinition', { time: iso(), requestParameters: { taskDefinition: td.taskDefinitionArn }, responseElements: { taskDefinition: { ...td, status: 'INACTIVE' } } }), o.delivery);
        break;
      }
      case 'forget': {
        const cluster = account.ecs.clusters.get(account.ecs.clusterArn('prod'));
        for (const [arn, task] of cluster?.tasks ?? []) if (task.lastStatus === 'STOPPED') cluster!.tasks.delete(arn);
        break;
      }
      case 'pin': case 'unpin': {
        const d = tagged(o.tag);
        const facts = (await ledger.load(SCOPE)).facts;
        if (!d || !facts.images.some((i) => i.imageDigest === d)) break;
        if (o.op === 'pin') {
          const until = o.hours === undefined ? undefined : nowMs() + o.hours * HOUR;
          await pinImage({ ledger, clock: now }, facts, `${REPO}@${d}`, 'simulation', until === undefined ? undefined : new Date(until).toISOString());
          // One pin per reason: a new pin with the same reason replaces the one held (its protection ends now).
          for (const pin of truth.pins.get(d) ?? []) if (pin.to === undefined || pin.to > nowMs()) pin.to = nowMs();
          truth.pins.set(d, [...(truth.pins.get(d) ?? []), { from: nowMs(), ...(until !== undefined && { to: until }) }]);
        } else if (facts.pins.some((p) => p.imageDigest === d)) {
          await unpinImage({ ledger, clock: now }, facts, `${REPO}@${d}`);
          for (const pin of truth.pins.get(d) ?? []) if (pin.to === undefined || pin.to > nowMs()) pin.to = nowMs();
        }
        break;
      }
      case 'pull': {
        const d = tagged(o.tag);
        if (d && recordPull(account.ecr, REPO, d, now())) truth.pulledAt.set(d, nowMs());
        break;
      }
      case 'outsideDelete': {
        const d = tagged(o.tag);
        if (!d || truth.children.has(d)) break; // ECR deletes an index with its children: not modelled
        // In use the moment before it went (a use by tag ends with the tag: the deletion itself ended it).
        const deletedAt = nowMs();
        const usedWhenDeleted = truth.inUse(d, deletedAt);
        account.ecr.removeImage(REPO, d);
        untagAll(d, deletedAt);
        // (5) Told when applied, if something used it then (at once: when it went).
        await emit(ecrAction({ 'image-digest': d, 'action-type': 'DELETE', ...(o.withTag && { 'image-tag': o.tag }) }), o.delivery, async () => {
          const used = nowMs() === deletedAt ? usedWhenDeleted : truth.inUse(d, nowMs());
          if (used && !told.has(d)) violations.push(`${iso()}: ${short(d)} [${o.tag}] was deleted outside ecr-ledger while in use, and nobody was told`);
        });
        break;
      }
      case 'outsideArchive': case 'activate': {
        const d = tagged(o.tag);
        if (!d) break;
        const status = account.ecr.statusOf(REPO, d) ?? 'ACTIVE'; // ECR names no status for an image pushed and never archived
        if (o.op === 'outsideArchive' && status === 'ACTIVE') await storageClass(d, 'ARCHIVE', o.delivery);
        if (o.op === 'activate' && status === 'ACTIVATING') {
          account.ecr.activate(REPO, d);
          await emit(ecrAction({ 'image-digest': d, 'action-type': 'UPDATE_STORAGE_CLASS', 'target-storage-class': 'STANDARD' }), o.delivery);
        }
        break;
      }
      case 'outsideRestore': { // no event until ECR has restored it (activate)
        const d = tagged(o.tag);
        if (!d || account.ecr.statusOf(REPO, d) !== 'ARCHIVED') break;
        const { UpdateImageStorageClassCommand } = await import('@aws-sdk/client-ecr');
        await account.ecr.client.send(new UpdateImageStorageClassCommand({ repositoryName: REPO, imageId: { imageDigest: d }, targetStorageClass: 'STANDARD' }));
        break;
      }
      case 'restore': {
        // Someone restores the tag's image, or (when it is not archived) an archived image: restores are of archived images.
        const archived = [...snapshot()].filter(([, status]) => status === 'ARCHIVED').map(([digest]) => digest).sort();
        const d = tagged(o.tag) !== undefined && account.ecr.statusOf(REPO, tagged(o.tag)!) === 'ARCHIVED' ? tagged(o.tag) : archived[0];
        if (!d) break;
        const aws = new LiveSweepAws(account.clients(), caller(), SCOPE, config, now);
        await restoreImages({ aws, config, clock: now, store: ledger.sweep, events: ledger.events }, SCOPE, [{ repositoryName: REPO, imageDigest: d }], { dryRun: false, runId: `restore-${iso()}`, by: 'simulation', reasons: ['asked'] });
        // (4) A restore leaves the whole family on its way back (an index with its children).
        const family = [d, ...(truth.children.get(d) ?? [])]; // the oracle's own model of the family, not the product's
        for (const member of family) if (present(member) && account.ecr.statusOf(REPO, member) === 'ARCHIVED') violations.push(`${iso()}: restoring ${short(d)} left ${short(member)} of its family archived`);
        break;
      }
      case 'deliver': await bus.deliverHeld(); break;
      case 'notice': {
        if (!config.notice) break;
        try {
          const { notice } = await announceDeletions({ store: ledger.sweep, announcements: ledger.announcements, config, clock: now, index: ledger.usageIndex(), deliver: async () => [{ channel: 'simulation', ok: true }] }, SCOPE, { ledgerFlag: '--ledger sim' });
          for (const image of notice.repositories.flatMap((r) => r.images)) truth.promised.set(image.imageDigest, Date.parse(notice.deletableFrom));
        } catch (error) {
          if (!(error instanceof RefusedError)) throw error; // a stale ledger announces nothing
        }
        break;
      }
      case 'reconcile':
        await reconcileFromAws({ ledger, reader: account.reader({ config, clock: now }), clock: now, deletions }, config);
        break;
      case 'sweep': await sweepNow(); break;
      case 'raceSweep': { // someone deletes the image between the sweep's live read and its call
        const raced: string[] = [];
        account.ecr.beforeChange = (repositoryName, digests) => {
          const d = digests[0];
          if (repositoryName !== REPO || !d || !present(d) || truth.children.has(d)) return;
          account.ecr.removeImage(REPO, d);
          raced.push(d);
        };
        await sweepNow(raced);
        account.ecr.beforeChange = undefined;
        for (const d of raced) {
          untagAll(d);
          await emit(ecrAction({ 'image-digest': d, 'action-type': 'DELETE' }), o.delivery, async () => {
            if (truth.inUse(d, nowMs()) && !told.has(d)) violations.push(`${iso()}: ${short(d)} was deleted outside ecr-ledger while in use, and nobody was told`);
          });
        }
        break;
      }
      case 'tick': {
        hour += o.hours;
        // ECR finishes a restore by itself within hours (`activate` may end one sooner).
        for (const d of finishRestores(account.ecr, REPO, nowMs(), RESTORE_HOURS)) await emit(ecrAction({ 'image-digest': d, 'action-type': 'UPDATE_STORAGE_CLASS', 'target-storage-class': 'STANDARD' }), 'now');
        break;
      }
    }
  };

  const taskChange = async (task: { id: string; family: string; digest: string }, lastStatus: 'RUNNING' | 'STOPPED', delivery: Delivery) => {
    const td = account.ecs.taskDefinitions.get(`${task.family}:1`)!;
    const taskArn = `arn:aws:ecs:${SCOPE.region}:${SCOPE.accountId}:task/prod/${task.id}`;
    const detail = {
      taskArn, clusterArn: account.ecs.clusterArn('prod'), taskDefinitionArn: td.taskDefinitionArn!, lastStatus, desiredStatus: lastStatus, version: lastStatus === 'RUNNING' ? 1 : 2,
      ...(lastStatus === 'STOPPED' && { stoppedAt: now().toISOString() }), containers: [{ name: 'main', image: td.containerDefinitions![0]!.image!, imageDigest: task.digest }],
    };
    account.ecs.addTask('prod', { ...detail, stoppedAt: lastStatus === 'STOPPED' ? now() : undefined } as never);
    await emit(envelope('ECS Task State Change', 'aws.ecs', detail, [taskArn]), delivery);
  };

  const storageClass = async (d: string, target: 'ARCHIVE' | 'STANDARD', delivery: Delivery) => {
    const { UpdateImageStorageClassCommand } = await import('@aws-sdk/client-ecr');
    await account.ecr.client.send(new UpdateImageStorageClassCommand({ repositoryName: REPO, imageId: { imageDigest: d }, targetStorageClass: target }));
    await emit(ecrAction({ 'image-digest': d, 'action-type': 'UPDATE_STORAGE_CLASS', 'target-storage-class': target }), delivery);
  };

  /** A sweep, judged; `raced`: images someone else deleted during it (filled while it runs). */
  const sweepNow = async (raced: readonly string[] = []) => {
    stats.sweeps += 1;
    const before = new Map(snapshot());
    const at = nowMs();
    const aws = new LiveSweepAws(account.clients(), caller(), SCOPE, config, now);
    let report;
    try {
      report = await sweep({ store: ledger.sweep, events: ledger.events, aws, config, clock: now, index: ledger.usageIndex(), runs: ledger.runs, deletions, announcements: ledger.announcements }, SCOPE, { dryRun: false, runId: `night-${iso()}` });
    } catch (error) {
      if (!(error instanceof RefusedError)) throw error;
      stats.refused += 1; // a stale ledger: refusing is keeping
      return;
    }
    if (report.skippedByCap > 0) lastCapped = at;
    // (3) What someone else deleted first is no change of the sweep's: its record says "already gone".
    for (const d of raced) {
      before.delete(d);
      const why = truth.broken(d, at, promises); // the sweep was about to act on it: judged as if it had
      if (why) violations.push(`${iso()}: ${short(d)} was about to go by the sweep (someone deleted it first): ${why}`);
      if (!report.alreadyGone.some((i) => i.imageDigest === d)) violations.push(`${iso()}: ${short(d)} went before the sweep's call; the run's record says ${report.images.find((i) => i.imageDigest === d)?.outcome ?? 'nothing'}, not already gone`);
    }
    const judged = judgeSweep({ before, after: snapshot(), report, truth, at, promises, notice: config.notice !== undefined });
    violations.push(...judged.violations);
    stats.deleted += judged.deleted;
    stats.archived += judged.archived;
  };

  const iso = () => now().toISOString();
  try {
    for (const o of t.ops) await step(o);
    const liveness = judgeLiveness({ truth, promises, ecr: snapshot(), end: nowMs(), keepsArchived: t.setting.action === 'archive' && t.setting.deleteArchivedAfterDays === undefined, cappedAt: lastCapped });
    const { kept } = liveness;
    await o.inspect?.(ledger, config, now().toISOString(), kept);
    return { violations, liveness, stats };
  } finally {
    await engine.close();
  }
}

const short = (d: string) => d.slice(0, 19);
