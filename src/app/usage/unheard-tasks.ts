import { imageKey, scopeKey, type ImageFact, type Scope, type TaskFact } from '../../domain/facts.js';
import { namedImages } from '../../domain/named-images.js';
import type { UsageIndex } from '../usage-index.js';

/**
 * The running tasks a live read lists that the ledger has never heard of (their RUNNING event late or lost, no
 * reconcile since), among those that name one of `images` — the images a deleting run may judge unused, the only ones
 * whose users the ledger must know before anyone deletes them (found by the simulator, seed 3005: a task seen running
 * only by a sweep, its image then deleted outside ecr-ledger, and nobody told). Stored, they make the ledger name the
 * image's user as the lost event would have. Read by id (one BatchGetItem per 100 tasks), so that a task the ledger
 * holds is never written again: a second run writes nothing.
 */
export async function runningTasksTheLedgerLacks(index: UsageIndex, scope: Scope, registry: Scope, images: readonly ImageFact[], live: readonly TaskFact[]): Promise<TaskFact[]> {
  if (images.length === 0) return [];
  const byDigest = new Set(images.map((i) => imageKey(i.repositoryName, i.imageDigest)));
  const byTag = new Set(images.flatMap((i) => i.imageTags.map((tag) => `${i.repositoryName}:${tag}`)));
  const namesOne = (task: TaskFact) => namedImages(scope, { kind: 'task', fact: task }).some((n) =>
    scopeKey(n.registry) === scopeKey(registry)
    && (n.digest !== undefined ? byDigest.has(imageKey(n.repositoryName, n.digest)) : byTag.has(`${n.repositoryName}:${n.tag}`)));
  const running = live.filter((t) => t.lastStatus !== 'STOPPED' && namesOne(t));
  if (running.length === 0) return [];
  const id = (task: TaskFact) => `${scopeKey(scope)}#task#${task.taskArn}`;
  const held = new Set((await index.facts(running.map(id))).map((f) => String(f.fact.taskArn)));
  return running.filter((t) => !held.has(t.taskArn));
}
