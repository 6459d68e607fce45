import type { Config } from '../../config.js';
import { isArchived, scopeKey, type ImageFact, type Scope, type ServiceFact } from '../../domain/facts.js';
import type { ManagedRepositories } from '../../domain/managed-repositories.js';
import { namedImages, type NamedImage, type ReferrerFact } from '../../domain/named-images.js';
import { taskDefinitionKey } from '../../domain/protection-window.js';
import type { AuditRecord, DeleteResult, SweepStore } from '../ports.js';
import { auditExpiry } from '../sweep/act.js';
import type { UsageIndex } from '../usage-index.js';
import type { RetentionPlan } from '../../domain/retention-policy.js';
import { descendantsOf } from '../../domain/image-family.js';

/** An image in ECR's archive storage class that something uses: its next pull fails until it is restored. */
export interface ArchivedInUse {
  readonly registry: Scope;
  readonly image: ImageFact;
  /** What uses it, in words (`ecs-task-definition arn:…`). */
  readonly usedBy: readonly string[];
}

export interface RestoredOnUse extends ArchivedInUse {
  readonly outcome: 'restored' | 'restoring already' | 'not restored' | 'failed';
  /** Why it was not restored, or how the call failed; for a child, that its index stays archived. */
  readonly why?: string;
  /** Restored with it: an index's children and the artifacts (signatures, SBOMs) of the family. */
  readonly withFamily?: readonly string[];
  /** The command that restores it by hand. */
  readonly command: string;
}

/** A family member that is not archived (or gone) needs no restore. */
const FINE_FOR_A_MEMBER = new Set(['ImageStorageClassUpdateNotSupportedException', 'ImageNotFound']);

const REFERRING = new Set(['task-definition', 'service-revision', 'task', 'lambda-function', 'batch-job-definition', 'apprunner-service', 'reported-image']);
const idOf = (fact: Record<string, unknown>) => String(fact.taskDefinitionArn ?? fact.serviceArn ?? fact.serviceRevisionArn ?? fact.taskArn ?? fact.functionArn ?? fact.jobDefinitionArn ?? fact.image ?? '?');

/**
 * The archived images the facts an event wrote refer to (a task definition, a service's task definitions, a Lambda
 * function, a Batch job definition, an App Runner service, a usage report), read in the ledger's index.
 */
export async function archivedReferences(index: UsageIndex, scope: Scope, written: ReadonlyArray<{ kind: string; fact: object }>): Promise<ArchivedInUse[]> {
  const named: Array<{ image: NamedImage; by: string }> = [];
  for (const { kind, fact } of written) {
    const by = `${kind} ${idOf(fact as Record<string, unknown>)}`;
    if (kind === 'service') {
      const service = fact as ServiceFact;
      const ids = [...service.deployments.map((d) => d.taskDefinition), ...(service.taskSets ?? []).map((t) => t.taskDefinition)].map((td) => `${scopeKey(scope)}#task-definition#${taskDefinitionKey(td)}`);
      for (const td of await index.facts(ids)) named.push(...namedImages(td.scope, { kind: 'task-definition', fact: td.fact } as unknown as ReferrerFact).map((image) => ({ image, by })));
    } else if (REFERRING.has(kind)) named.push(...namedImages(scope, { kind, fact } as ReferrerFact).map((image) => ({ image, by })));
  }
  const found = new Map<string, ArchivedInUse>();
  for (const { image: n, by } of named) {
    const digests = n.digest !== undefined ? [n.digest] : await index.tagged(n.registry, n.repositoryName, n.tag!);
    for (const digest of digests) {
      const { image } = await index.image(n.registry, n.repositoryName, digest);
      if (!image || !isArchived(image)) continue;
      const key = `${scopeKey(n.registry)}#${n.repositoryName}@${digest}`;
      const known = found.get(key);
      found.set(key, { registry: n.registry, image, usedBy: [...new Set([...(known?.usedBy ?? []), by])] });
    }
  }
  return [...found.values()];
}

/** The archived images a plan finds in use (whoever archived them: a lifecycle rule often did), with what uses each. */
export function archivedInUseOf(plan: Pick<RetentionPlan, 'images'>, registry: Scope): ArchivedInUse[] {
  return plan.images.filter((p) => p.inUse && isArchived(p.image)).map((p) => ({
    registry, image: p.image, usedBy: p.referrers.filter((r) => r.protecting).map((r) => `${r.kind} ${r.id}`),
  }));
}

/** What plan, explain and the report say of one: an outage waiting, and the command that ends it. */
export function archivedInUseWarning(a: ArchivedInUse): string {
  return `${a.image.repositoryName}@${a.image.imageDigest} [${a.image.imageTags.join(', ') || 'untagged'}] is ${a.image.imageStatus === 'ACTIVATING' ? 'being restored (ACTIVATING)' : 'archived'} and in use by ${a.usedBy.join(', ')}: its next pull fails until it is restored${a.image.imageStatus === 'ACTIVATING' ? '' : `: ecr-ledger restore ${a.image.repositoryName}@${a.image.imageDigest} --force`}`;
}

export interface RestoreOnUseDeps {
  readonly config: Config;
  readonly clock: () => Date;
  /** Restores in a registry this function may restore in (the stack's own account and region), else undefined. */
  readonly restorer: (registry: Scope) => { restoreImages(repositoryName: string, digests: readonly string[]): Promise<DeleteResult> } | undefined;
  /** The stack's managedRepositories: only there may it restore. */
  readonly managed?: ManagedRepositories;
  /** The ledger's images of a repository (for an index's children and artifacts); absent: the children the image names. */
  readonly family?: (registry: Scope, repositoryName: string) => Promise<readonly ImageFact[]>;
  readonly store?: SweepStore;
  /** The metric, the log and the notice channels: every archived image found in use, restored or not. */
  readonly tell: (found: readonly RestoredOnUse[]) => Promise<void>;
}

/**
 * Restores every archived image found in use (config `restoreOnUse`, on by default): an outage waiting, since its
 * next pull fails. Only in the stack's managed repositories; each restore is audited (`restored`, asked by what
 * uses it). What it cannot or may not restore is told with the command that does.
 */
export async function restoreOnUse(deps: RestoreOnUseDeps, found: readonly ArchivedInUse[]): Promise<RestoredOnUse[]> {
  const now = deps.clock().toISOString();
  const results: RestoredOnUse[] = [];
  for (const f of found) {
    const command = `ecr-ledger restore ${f.image.repositoryName}@${f.image.imageDigest} --force`;
    const restorer = deps.restorer(f.registry);
    const denied = !deps.config.restoreOnUse ? 'restoreOnUse is off'
      : !restorer ? `${f.registry.accountId}/${f.registry.region} is not this stack's registry`
      : deps.managed && !deps.managed(f.registry, f.image.repositoryName) ? `${f.image.repositoryName} is outside the stack's managedRepositories` : undefined;
    if (f.image.imageStatus === 'ACTIVATING') results.push({ ...f, outcome: 'restoring already', command });
    else if (denied || !restorer) results.push({ ...f, outcome: 'not restored', why: denied ?? 'no restorer', command });
    else {
      // The whole family goes back (a pull of an index needs its children); the ledger's status may be behind ECR's,
      // so every member is asked and ECR's "not archived" for a member is fine.
      const images = deps.family ? await deps.family(f.registry, f.image.repositoryName) : [];
      const known = images.some((i) => i.imageDigest === f.image.imageDigest) ? images : [f.image, ...images];
      const members = descendantsOf(known, f.image.imageDigest).slice(1);
      const { done, failures } = await restorer.restoreImages(f.image.repositoryName, [f.image.imageDigest, ...members]);
      const memberFailures = failures.filter((x) => x.imageDigest !== f.image.imageDigest && !FINE_FOR_A_MEMBER.has(x.code));
      const failure = failures.find((x) => x.imageDigest === f.image.imageDigest) ?? memberFailures[0];
      const parents = known.filter((i) => i.childDigests.includes(f.image.imageDigest) && isArchived(i) && i.imageStatus !== 'ACTIVATING');
      const parentNote = parents.length > 0 ? `its image index ${parents.map((p) => `${p.imageDigest} [${p.imageTags.join(', ') || 'untagged'}]`).join(', ')} stays archived (a pull through it still fails until it is restored too)` : undefined;
      const withFamily = done.filter((d) => d !== f.image.imageDigest);
      const byDigest = new Map(known.map((i) => [i.imageDigest, i]));
      const audited = (image: ImageFact, reason: string, failed?: { code: string; reason: string }): AuditRecord => ({
        runId: `restore-on-use-${now}`, at: now, action: 'restore', status: failed ? 'failed' : 'restored', repositoryName: image.repositoryName, imageDigest: image.imageDigest,
        imageTags: image.imageTags, imageSizeInBytes: image.imageSizeInBytes, imagePushedAt: image.imagePushedAt, referrers: [], requestedBy: `in use by ${f.usedBy.join(', ')}`,
        reasons: [reason], ...(failed && { failure: { code: failed.code, reason: failed.reason } }),
      });
      const own = failures.find((x) => x.imageDigest === f.image.imageDigest);
      await deps.store?.recordAudit(f.registry, [
        audited(f.image, 'restored on use: it is archived and in use, so its next pull would fail', own),
        ...withFamily.flatMap((d) => (byDigest.has(d) ? [audited(byDigest.get(d)!, `restored on use with ${f.image.repositoryName}@${f.image.imageDigest}: a pull of it needs its family`)] : [])),
        ...memberFailures.flatMap((x) => (byDigest.has(x.imageDigest) ? [audited(byDigest.get(x.imageDigest)!, `restore on use with ${f.image.repositoryName}@${f.image.imageDigest} failed`, x)] : [])),
      ], auditExpiry(deps.config, now));
      const why = failure ? `${failure.imageDigest === f.image.imageDigest ? '' : `its family member ${failure.imageDigest}: `}${failure.code}: ${failure.reason}` : parentNote;
      results.push({ ...f, outcome: failure ? 'failed' : 'restored', ...(why && { why }), ...(withFamily.length > 0 && { withFamily }), command });
    }
  }
  // One being restored already was told when it was restored (or is ECR's own doing): not again every night.
  const news = results.filter((r) => r.outcome !== 'restoring already');
  if (news.length > 0) await deps.tell(news);
  return results;
}

/** One line per image, for logs, warnings and notifications. */
export function restoredOnUseText(r: RestoredOnUse): string {
  const what = `${r.registry.accountId}/${r.registry.region} ${r.image.repositoryName}@${r.image.imageDigest} [${r.image.imageTags.join(', ') || 'untagged'}] is archived and in use by ${r.usedBy.join(', ')}`;
  if (r.outcome === 'restored') return `${what}: restored${r.withFamily ? ` with ${r.withFamily.length} image(s) of its family (children, signatures)` : ''} (it answers pulls once ACTIVE)${r.why ? `; ${r.why}` : ''}`;
  if (r.outcome === 'restoring already') return `${what}: ECR is restoring it (ACTIVATING)`;
  return `${what}: NOT restored (${r.why}); its next pull fails until: ${r.command}`;
}
