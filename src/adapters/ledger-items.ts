import { createHash } from 'node:crypto';
import type { AccountFacts, ImageFact, ImageHistory, PinFact, ReportedImageFact, Scope } from '../domain/facts.js';
import { historyOf, imageKey } from '../domain/facts.js';
import { groupBy } from '../domain/group-by.js';
import { familyOf } from '../domain/named-images.js';
import { tagDigests, tagFacts, type TagFact } from '../domain/tag-fact.js';
import { familyGroup, functionGroup, imageGroup, repositoriesGroup, repositoryPartition, scopeId, scopeKeys, serviceGroup, sourceGroup, sourcesPartition } from './index-keys.js';
import { referenceItems, type ReferenceItem } from './reference-items.js';

/**
 * How facts become table items. One item per fact:
 *   pk `{account}#{region}#{kind}#{id}`, sk `F`, with `scope`, `kind`, `fact` (a map) and `observedAt`.
 * Images also carry their history (`firstSeenAt`, `unprotectedSince`) and GSI1 keys (by repository, by push time);
 * task definitions carry GSI2 keys (by family, by revision). Watermarks are `pk WATERMARK`, `sk {scope}`;
 * checkpoint entries of an unfinished live read are `pk CHECKPOINT#{scope}`, `sk {kind}#{id}`.
 */

export type FactKind =
  | 'repository' | 'image' | 'tag' | 'task-definition' | 'service' | 'service-deployment' | 'service-revision'
  | 'task' | 'lambda-function' | 'lambda-alias' | 'batch-job-definition' | 'apprunner-service' | 'inspector-evidence' | 'pin' | 'reported-image' | 'usage-source';

export type { TagFact } from '../domain/tag-fact.js';

export interface FactItem {
  pk: string;
  /** `F` for a fact; `C#{digest}` for a further claim on a tag (see TagFact). */
  sk: string;
  scope: string;
  kind: FactKind | 'tag-claim';
  fact: Record<string, unknown>;
  observedAt: string;
  /** A removal that events recorded: kept (with its time) so that older news cannot bring the fact back. */
  deleted?: boolean;
  /** Orders updates of one fact when the source numbers them (ECS task `version`). */
  version?: number;
  /** The sort keys of the references the fact's event write made, in one string: a later event that makes the same ones need not rewrite them. */
  refs?: string;
  firstSeenAt?: string;
  unprotectedSince?: string;
  releasedAt?: string;
  protectedUntil?: string;
  g1pk?: string;
  g1sk?: string;
  g2pk?: string;
  g2sk?: string;
  /** The sweep's sparse index: the images that may be unprotected, indexes and artifacts, and SWEEP_INDEXED_KINDS. */
  g3pk?: string;
  g3sk?: string;
  /** The scope index (layout 4): every item of a scope, facts apart from references and claims. */
  g4pk?: string;
  g4sk?: string;
}

export { scopeId };
/** All watermarks share one partition, so listing the scopes is one Query instead of a table scan. */
export const WATERMARK_PK = 'WATERMARK';
export const watermarkKey = (scope: Scope) => ({ pk: WATERMARK_PK, sk: scopeId(scope) });
/** The region probe of each account (which regions run workloads), one partition: listing them is one Query. */
export const REGIONS_PK = 'REGIONS';
export const regionProbeKey = (accountId: string) => ({ pk: REGIONS_PK, sk: accountId });
/** What an interrupted live read already fetched, one partition per scope (no fact item has this pk). */
export const checkpointPk = (scope: Scope) => `CHECKPOINT#${scopeId(scope)}`;
export const factPk = (scope: Scope, kind: FactKind, id: string) => `${scopeId(scope)}#${kind}#${id}`;

/**
 * The sweep index of a scope is spread over SWEEP_SHARDS partitions by a hash of the item's key, so that no
 * partition holds the scope's whole candidate set (a hot partition for every write and read of the night).
 */
export const SWEEP_SHARDS = 32;
export const sweepShard = (scope: Scope, shard: number) => `${scopeId(scope)}#sweep#${String(shard).padStart(2, '0')}`;
export const sweepKeys = (scope: Scope, pk: string) => ({ g3pk: sweepShard(scope, createHash('sha1').update(pk).digest().readUInt32BE(0) % SWEEP_SHARDS), g3sk: pk });

/**
 * What the sweep index holds besides candidate images: repositories (their policies), the immutable usage facts the
 * sweep's live check reuses instead of describing them again (task-definition revisions, service revisions, published
 * Lambda versions), and what only the ledger knows (pins, usage reports and their sources). Mutable referrers (services,
 * deployments, tasks, aliases, Batch, App Runner, Inspector) are read live by the sweep; the candidates' referrers in
 * other scopes come from the repository index.
 */
export const SWEEP_INDEXED_KINDS: ReadonlySet<FactKind> = new Set(['repository', 'task-definition', 'service-revision', 'lambda-function', 'pin', 'reported-image', 'usage-source']);

function item(scope: Scope, kind: FactKind, id: string, fact: object, observedAt: string): FactItem {
  const pk = factPk(scope, kind, id);
  return { pk, sk: 'F', scope: scopeId(scope), kind, fact: fact as Record<string, unknown>, observedAt, ...scopeKeys(scope, pk, 'F'), ...(SWEEP_INDEXED_KINDS.has(kind) && sweepKeys(scope, pk)) };
}

/**
 * An image the sweep must see: one that may be unprotected (a reconcile saw it so, or an event pushed or released it),
 * and every index and artifact with a subject (their children and referrers are protected through them).
 */
const sweepRelevant = (image: ImageFact, history: ImageHistory | undefined) =>
  history?.unprotectedSince !== undefined || history?.releasedAt !== undefined || history?.protectedUntil !== undefined || image.childDigests.length > 0 || image.subjectDigest !== undefined;

/** Image items do not hold tags: tag items do. */
export function imageItem(scope: Scope, image: ImageFact, observedAt: string, history: ImageHistory | undefined): FactItem {
  const { imageTags: _tags, ...untagged } = image;
  const base = item(scope, 'image', imageKey(image.repositoryName, image.imageDigest), untagged, observedAt);
  return {
    ...base,
    ...(sweepRelevant(image, history) && sweepKeys(scope, base.pk)),
    g1pk: repositoryPartition(scope, image.repositoryName),
    g1sk: `${image.imagePushedAt}#${image.imageDigest}`,
    g2pk: imageGroup(scope, image.repositoryName, image.imageDigest),
    g2sk: 'image',
    ...history,
  };
}


/** The id of a fact inside its kind, and the index keys that go with it. */
export function factItem(scope: Scope, kind: Exclude<FactKind, 'image'>, fact: object, observedAt: string): FactItem {
  const f = fact as Record<string, unknown>;
  const group = (g2pk: string, g2sk: string) => ({ g2pk, g2sk });
  switch (kind) {
    case 'repository': return { ...item(scope, kind, String(f.repositoryName), fact, observedAt), ...group(repositoriesGroup(scope), String(f.repositoryName)) };
    case 'tag': {
      const tag = fact as TagFact;
      return {
        ...item(scope, kind, `${tag.repositoryName}:${tag.tag}`, fact, observedAt), ...group(imageGroup(scope, tag.repositoryName, tag.imageDigest), `tag#${tag.tag}`),
        g1pk: repositoryPartition(scope, tag.repositoryName), g1sk: `tag#${tag.tag}`,
      };
    }
    case 'task-definition':
      return { ...item(scope, kind, `${String(f.family)}:${String(f.revision)}`, fact, observedAt), ...group(familyGroup(scope, String(f.family)), String(f.revision).padStart(10, '0')) };
    case 'service': return item(scope, kind, String(f.serviceArn), fact, observedAt);
    case 'service-deployment': return { ...item(scope, kind, String(f.serviceDeploymentArn), fact, observedAt), ...group(serviceGroup(scope, String(f.serviceArn)), `deployment#${String(f.serviceDeploymentArn)}`) };
    case 'service-revision': return { ...item(scope, kind, String(f.serviceRevisionArn), fact, observedAt), ...group(familyGroup(scope, familyOf(String(f.taskDefinition))), `revision#${String(f.serviceRevisionArn)}`) };
    case 'task': return { ...item(scope, kind, String(f.taskArn), fact, observedAt), ...group(familyGroup(scope, familyOf(String(f.taskDefinitionArn))), `task#${String(f.taskArn)}`) };
    case 'lambda-function':
      return { ...item(scope, kind, String(f.functionArn), fact, observedAt), ...group(functionGroup(scope, String(f.functionName)), `version#${String(f.version)}`) };
    case 'lambda-alias':
      return { ...item(scope, kind, String(f.aliasArn), fact, observedAt), ...group(functionGroup(scope, String(f.functionName)), `alias#${String(f.name)}`) };
    case 'pin': return item(scope, kind, pinKey(fact as PinFact), fact, observedAt);
    case 'batch-job-definition': return item(scope, kind, String(f.jobDefinitionArn), fact, observedAt);
    case 'apprunner-service': return item(scope, kind, String(f.serviceArn), fact, observedAt);
    case 'inspector-evidence': return item(scope, kind, imageKey(String(f.repositoryName), String(f.imageDigest)), fact, observedAt);
    case 'reported-image': return { ...item(scope, kind, `${String(f.source)}#${String(f.image)}`, fact, observedAt), ...group(sourceGroup(scope, String(f.source)), `image#${String(f.image)}`) };
    case 'usage-source':
      return { ...item(scope, kind, String(f.name), fact, observedAt), ...group(sourceGroup(scope, String(f.name)), 'source'), g1pk: sourcesPartition(scope), g1sk: String(f.name) };
  }
}

/** A tag claimed by several images (see TagFact): every claim after the first, so that each image's group lists the tag. */
export function tagClaimItems(scope: Scope, tag: TagFact, observedAt: string): FactItem[] {
  const tagPk = factPk(scope, 'tag', `${tag.repositoryName}:${tag.tag}`);
  return tagDigests(tag).filter((d) => d !== tag.imageDigest).map((digest) => ({
    pk: tagPk, sk: `C#${digest}`, scope: scopeId(scope), kind: 'tag-claim', fact: { repositoryName: tag.repositoryName, tag: tag.tag, imageDigest: digest }, observedAt, ...scopeKeys(scope, tagPk, `C#${digest}`),
    g2pk: imageGroup(scope, tag.repositoryName, digest), g2sk: `tag#${tag.tag}`,
  }));
}

/** A fact item with what it takes to index it: the references it makes and, for tags, further claims. */
export function withReferences(scope: Scope, item: FactItem): Array<FactItem | ReferenceItem> {
  if (item.deleted) return [item];
  const extra = item.kind === 'tag' ? tagClaimItems(scope, item.fact as unknown as TagFact, item.observedAt) : referenceItems(scope, item.kind, item.pk, item.fact, item.observedAt);
  // References first: a crash part-way leaves the new references written before the fact that replaces the old ones.
  return [...extra, extra.length > 0 ? { ...item, refs: extra.map((r) => r.sk).join(' ') } : item];
}

/** A removal recorded by an event: no fact, only the time, so that older news cannot bring the fact back. */
export function tombstone(scope: Scope, kind: FactKind, id: string, observedAt: string): FactItem {
  const { g3pk: _pk, g3sk: _sk, ...rest } = item(scope, kind, id, {}, observedAt);
  return { ...rest, deleted: true };
}

/** Every item that represents `facts` (their references included), images with the given history. Pins are the operator's and not included. */
export function factsToItems(facts: AccountFacts, history: ReadonlyMap<string, ImageHistory>, observedAt: string): Array<FactItem | ReferenceItem> {
  const { scope } = facts;
  const of = (kind: Exclude<FactKind, 'image'>, list: readonly object[]) => list.map((f) => factItem(scope, kind, f, observedAt));
  return [
    ...of('repository', facts.repositories),
    ...of('task-definition', facts.taskDefinitions),
    ...of('service', facts.services),
    ...of('service-deployment', facts.serviceDeployments),
    ...of('service-revision', facts.serviceRevisions),
    ...of('task', facts.tasks),
    ...of('lambda-function', facts.lambdaFunctions),
    ...of('lambda-alias', facts.lambdaAliases),
    ...of('batch-job-definition', facts.batchJobDefinitions ?? []),
    ...of('apprunner-service', facts.appRunnerServices ?? []),
    ...of('inspector-evidence', facts.inspector ?? []),
    ...of('tag', tagFacts(facts.images)),
    // Images last: a crash part-way leaves new referrers written before the images they protect.
    ...facts.images.map((image) => imageItem(scope, image, observedAt, history.get(imageKey(image.repositoryName, image.imageDigest)))),
  ].flatMap((item) => withReferences(scope, item));
}

/** A usage source's items: the source (its report time and image count) and one item per reported image. */
export function usageReportItems(scope: Scope, source: { name: string; reportedAt: string; images: number }, reported: readonly ReportedImageFact[]): FactItem[] {
  return [...reported.map((r) => factItem(scope, 'reported-image', r, r.reportedAt)), factItem(scope, 'usage-source', source, source.reportedAt)];
}

/** A pin's id: its own key, or (pins from before several pins per image) the image's. */
export const pinKey = (pin: PinFact) => pin.key ?? imageKey(pin.repositoryName, pin.imageDigest);

export function pinItem(scope: Scope, pin: PinFact): FactItem {
  return factItem(scope, 'pin', pin, pin.pinnedAt);
}

/** Rebuilds facts and history from a scope's items; removals (tombstones) are skipped, tags are joined to their images. */
export function itemsToFacts(scope: Scope, allItems: readonly FactItem[], capturedAt: string): { facts: AccountFacts; history: Map<string, ImageHistory> } {
  const items = allItems.filter((i) => !i.deleted);
  const history = new Map<string, ImageHistory>();
  const tagsOf = new Map<string, string[]>();
  for (const i of items) {
    if (i.kind === 'tag') {
      const tag = i.fact as unknown as TagFact;
      for (const digest of tagDigests(tag)) {
        const key = imageKey(tag.repositoryName, digest);
        tagsOf.set(key, [...(tagsOf.get(key) ?? []), tag.tag]);
      }
    }
    const stamps = i.kind === 'image' ? historyOf(i) : undefined;
    if (!stamps) continue;
    const image = i.fact as unknown as ImageFact;
    history.set(imageKey(image.repositoryName, image.imageDigest), stamps);
  }
  const groups = groupBy([...items].sort((a, b) => (a.pk < b.pk ? -1 : 1)), (i) => i.kind);
  const ordered = (kind: FactKind) => (groups.get(kind) ?? []).map((i) => i.fact) as never[];
  const images = (ordered('image') as ImageFact[]).map((image) => {
    const tags = new Set([...(image.imageTags ?? []), ...(tagsOf.get(imageKey(image.repositoryName, image.imageDigest)) ?? [])]);
    return { ...image, imageTags: [...tags].sort() };
  });
  return {
    facts: {
      scope, capturedAt,
      repositories: ordered('repository'), images, taskDefinitions: ordered('task-definition'),
      services: ordered('service'), serviceDeployments: ordered('service-deployment'), serviceRevisions: ordered('service-revision'),
      tasks: ordered('task'), lambdaFunctions: ordered('lambda-function'), lambdaAliases: ordered('lambda-alias'), pins: ordered('pin'),
      ...(groups.has('batch-job-definition') && { batchJobDefinitions: ordered('batch-job-definition') }),
      ...(groups.has('apprunner-service') && { appRunnerServices: ordered('apprunner-service') }),
      ...(groups.has('inspector-evidence') && { inspector: ordered('inspector-evidence') }),
      ...(groups.has('reported-image') && { reported: ordered('reported-image') }), ...(groups.has('usage-source') && { sources: ordered('usage-source') }),
    },
    history,
  };
}
