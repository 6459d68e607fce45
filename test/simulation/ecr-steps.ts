import { UpdateImageStorageClassCommand } from '@aws-sdk/client-ecr';
import { LiveSweepAws } from '../../src/adapters/aws/sweep-aws.js';
import { restoreImages } from '../../src/app/undo/restore.js';
import { digest as digestOf } from '../fixtures/account-builder.js';
import { finishRestores, recordPull } from './registry.js';
import { short, type Sim } from './sim.js';
import type { Delivery, Op } from './timeline.js';
import { OCI_IMAGE, OCI_INDEX, REPO, RESTORE_HOURS, SCOPE } from './world.js';

type EcrOp = Extract<Op, { op: 'push' | 'pushIndex' | 'repush' | 'pushAgain' | 'pull' | 'outsideDelete' | 'outsideArchive' | 'activate' | 'outsideRestore' | 'restore' | 'tick' }>;
const ECR_OPS = new Set<string>(['push', 'pushIndex', 'repush', 'pushAgain', 'pull', 'outsideDelete', 'outsideArchive', 'activate', 'outsideRestore', 'restore', 'tick']);

export const isEcrOp = (o: Op): o is EcrOp => ECR_OPS.has(o.op);

/** What happens in the registry: pushes, pulls, people deleting, archiving and restoring, time passing for ECR. */
export async function ecrStep(sim: Sim, o: EcrOp): Promise<void> {
  const { truth, registry } = sim;
  const ecr = registry.ecr;
  switch (o.op) {
    case 'push': await sim.push(o.tag, digestOf(`build-${(sim.builds += 1)}`)); break;
    case 'pushIndex': {
      const n = (sim.builds += 1);
      const kids = [digestOf(`build-${n}-amd64`), digestOf(`build-${n}-arm64`)];
      for (const kid of kids) {
        ecr.addImage(REPO, { imageDigest: kid, imageTags: [], imagePushedAt: sim.now(), imageSizeInBytes: 1_000_000, imageManifestMediaType: OCI_IMAGE });
        truth.pushedAt.set(kid, sim.nowMs());
        await sim.emit(sim.ecrAction({ 'image-digest': kid, 'action-type': 'PUSH', 'manifest-media-type': OCI_IMAGE }), 'now');
      }
      const index = digestOf(`build-${n}-index`);
      truth.children.set(index, kids);
      await sim.push(o.tag, index, OCI_INDEX, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: kids.map((d) => ({ mediaType: OCI_IMAGE, digest: d, size: 1 })) });
      break;
    }
    case 'repush': {
      const d = sim.tagged(o.tag);
      if (!d || truth.children.has(d)) break; // an index is pushed again with its children: not modelled
      ecr.removeImage(REPO, d);
      sim.untagAll(d); // ECR deletes the image with every tag that named it
      truth.pulledAt.delete(d); // ECR's record of its pulls goes with it (a pull the ledger read stays evidence)
      const deleted = sim.ecrAction({ 'image-digest': d, 'action-type': 'DELETE' });
      if (o.deleteEvent === 'late') sim.bus.hold(deleted);
      sim.hour += 1;
      await sim.push(o.tag, d);
      break;
    }
    case 'pushAgain': { // its PUSH event always arrives at once: a push nobody hears of cannot be promised anything
      const d = sim.tagged(o.from);
      if (!d || truth.children.has(d) || (ecr.statusOf(REPO, d) ?? 'ACTIVE') !== 'ACTIVE') break;
      if (sim.tagged(o.tag) === d) break; // the same digest under the tag it has: ECR answers ImageAlreadyExistsException, no event
      ecr.retag(REPO, o.tag, d, { imagePushedAt: sim.now(), imageSizeInBytes: 1_000_000 }); // ECR keeps its first push time
      truth.tag(o.tag, d, sim.nowMs());
      truth.pushedAgainAt.set(d, sim.nowMs());
      await sim.emit(sim.ecrAction({ 'image-digest': d, 'action-type': 'PUSH', 'image-tag': o.tag, 'manifest-media-type': OCI_IMAGE }), 'now');
      break;
    }
    case 'pull': {
      const d = sim.tagged(o.tag);
      if (d && recordPull(ecr, REPO, d, sim.now())) truth.pulledAt.set(d, sim.nowMs());
      break;
    }
    case 'outsideDelete': {
      const d = sim.tagged(o.tag);
      if (!d || truth.children.has(d)) break; // ECR deletes an index with its children: not modelled
      // In use the moment before it went (a use by tag ends with the tag: the deletion itself ended it).
      const deletedAt = sim.nowMs();
      const usedWhenDeleted = truth.knownInUse(d, deletedAt);
      ecr.removeImage(REPO, d);
      sim.untagAll(d, deletedAt);
      // (5) Told when applied, if something used it then (at once: when it went).
      await sim.emit(sim.ecrAction({ 'image-digest': d, 'action-type': 'DELETE', ...(o.withTag && { 'image-tag': o.tag }) }), o.delivery, async () => {
        const used = sim.nowMs() === deletedAt ? usedWhenDeleted : truth.knownInUse(d, sim.nowMs());
        if (used && !sim.told.has(d)) sim.violation(`${short(d)} [${o.tag}] was deleted outside ecr-ledger while in use, and nobody was told`);
      });
      break;
    }
    case 'outsideArchive': case 'activate': {
      const d = sim.tagged(o.tag);
      if (!d) break;
      const status = ecr.statusOf(REPO, d) ?? 'ACTIVE'; // ECR names no status for an image pushed and never archived
      if (o.op === 'outsideArchive' && status === 'ACTIVE') await storageClass(sim, d, 'ARCHIVE', o.delivery);
      if (o.op === 'activate' && status === 'ACTIVATING') {
        ecr.activate(REPO, d);
        await sim.emit(sim.ecrAction({ 'image-digest': d, 'action-type': 'UPDATE_STORAGE_CLASS', 'target-storage-class': 'STANDARD' }), o.delivery);
      }
      break;
    }
    case 'outsideRestore': { // no event until ECR has restored it (activate)
      const d = sim.tagged(o.tag);
      if (!d || ecr.statusOf(REPO, d) !== 'ARCHIVED') break;
      await ecr.client.send(new UpdateImageStorageClassCommand({ repositoryName: REPO, imageId: { imageDigest: d }, targetStorageClass: 'STANDARD' }));
      break;
    }
    case 'restore': {
      // Someone restores the tag's image, or (when it is not archived) an archived image: restores are of archived images.
      const archived = [...sim.snapshot()].filter(([, status]) => status === 'ARCHIVED').map(([digest]) => digest).sort();
      const named = sim.tagged(o.tag);
      const d = named !== undefined && ecr.statusOf(REPO, named) === 'ARCHIVED' ? named : archived[0];
      if (!d) break;
      const aws = new LiveSweepAws(registry.clients(), sim.caller(), SCOPE, sim.config, sim.now);
      await restoreImages({ aws, config: sim.config, clock: sim.now, store: sim.ledger.sweep, events: sim.ledger.events }, SCOPE, [{ repositoryName: REPO, imageDigest: d }], { dryRun: false, runId: `restore-${sim.iso()}`, by: 'simulation', reasons: ['asked'] });
      // (4) A restore leaves the whole family on its way back (an index with its children).
      const family = [d, ...(truth.children.get(d) ?? [])]; // the oracle's own model of the family, not the product's
      for (const member of family) if (sim.present(member) && ecr.statusOf(REPO, member) === 'ARCHIVED') sim.violation(`restoring ${short(d)} left ${short(member)} of its family archived`);
      break;
    }
    case 'tick': {
      sim.hour += o.hours;
      // ECR finishes a restore by itself within hours (`activate` may end one sooner).
      for (const d of finishRestores(ecr, REPO, sim.nowMs(), RESTORE_HOURS)) await sim.emit(sim.ecrAction({ 'image-digest': d, 'action-type': 'UPDATE_STORAGE_CLASS', 'target-storage-class': 'STANDARD' }), 'now');
      break;
    }
  }
}

async function storageClass(sim: Sim, d: string, target: 'ARCHIVE' | 'STANDARD', delivery: Delivery): Promise<void> {
  await sim.registry.ecr.client.send(new UpdateImageStorageClassCommand({ repositoryName: REPO, imageId: { imageDigest: d }, targetStorageClass: target }));
  await sim.emit(sim.ecrAction({ 'image-digest': d, 'action-type': 'UPDATE_STORAGE_CLASS', 'target-storage-class': target }), delivery);
}
