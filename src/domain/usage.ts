import type { AccountFacts, ImageFact, LambdaFunctionFact } from './facts.js';
import { imageKey } from './facts.js';
import { imageUri } from './image-reference.js';
import { ImageResolver, type ForeignImages, type Resolution } from './image-resolver.js';
import { indexEcs, lastCompletedRevision, protectionWindow, revisionsInService, taskDefinitionKey, type WindowOptions } from './protection-window.js';
import { isTaskProtecting } from './task-state.js';

export type ReferrerKind =
  | 'ecs-task-definition' | 'ecs-service' | 'ecs-task-set' | 'ecs-task'
  | 'lambda-function' | 'lambda-alias' | 'batch-job-definition' | 'apprunner-service' | 'inspector' | 'image-index' | 'image-subject' | 'pin' | 'usage-report';

/** Who names an image, and whether that keeps it in use. */
export interface Referrer {
  readonly kind: ReferrerKind;
  /** The account and region the referrer lives in (which may differ from the image's registry). */
  readonly account: string;
  readonly region: string;
  /** The ARN, or for image-index / image-subject the parent image's URI with digest. */
  readonly id: string;
  readonly protecting: boolean;
  readonly reason: string;
  /** It uses a replica of the image that a deletion of the image would delete too (deleteReplication). */
  readonly viaReplication?: true;
}

export interface Usage {
  /** Referrers per image key (`repo@digest`), sorted by kind and id. */
  readonly referrers: ReadonlyMap<string, readonly Referrer[]>;
  /** Images some protecting referrer keeps in use, directly or through a parent index or subject. */
  readonly inUse: ReadonlySet<string>;
  readonly resolver: ImageResolver;
  /** What this scope's referrers do to the images of other scopes given as `foreign`: per scope id, per image key. */
  readonly foreign: ReadonlyMap<string, ReadonlyMap<string, readonly Referrer[]>>;
  /** Registries (`account#region`) this scope's referrers name that were not given: what they name is unknown here. */
  readonly unresolvedRegistries: ReadonlySet<string>;
}

/** How other scopes take part in one scope's usage. */
export interface CrossScope {
  /** Images of other registries this scope's referrers may name (their usage is reported in `Usage.foreign`). */
  readonly foreign?: readonly ForeignImages[];
  /** Referrers from other scopes of this scope's images, already judged in their own scope (their window, their tasks). */
  readonly external?: ReadonlyMap<string, readonly Referrer[]>;
}

type Sink = (resolution: Resolution, referrer: Omit<Referrer, 'reason' | 'account' | 'region'>, reason: string) => void;

function how(resolution: Resolution & { found: true }): string {
  return resolution.via === 'tag' ? `by tag ${resolution.tag}, which points to it now` : 'by digest';
}

function addEcsReferrers(facts: AccountFacts, options: WindowOptions, resolver: ImageResolver, add: Sink): void {
  const window = protectionWindow(facts, options);
  const byKey = new Map(facts.taskDefinitions.map((td) => [`${td.family}:${td.revision}`, td]));
  const containersOf = (taskDefinition: string) => byKey.get(taskDefinitionKey(taskDefinition))?.containers ?? [];

  for (const td of facts.taskDefinitions) {
    const verdict = window.get(`${td.family}:${td.revision}`)!;
    for (const c of td.containers) {
      const r = resolver.resolve(c.image);
      if (r.found) add(r, { kind: 'ecs-task-definition', id: td.taskDefinitionArn, protecting: verdict.protecting }, `${td.family}:${td.revision} container ${c.containerName} names it ${how(r)}; ${verdict.reasons.join('; ')}`);
    }
  }
  const ecs = indexEcs(facts);
  for (const service of facts.services) {
    const id = { kind: 'ecs-service' as const, id: service.serviceArn, protecting: true };
    for (const [key, whys] of revisionsInService(ecs, service)) {
      for (const c of containersOf(key)) {
        const r = resolver.resolve(c.image);
        if (r.found) add(r, id, `${whys[0]}: ${key} container ${c.containerName} names it ${how(r)}`);
      }
    }
    const last = lastCompletedRevision(ecs, service);
    const pinnedRevisions = [...service.currentServiceRevisionArns, ...(last?.revisionArn ? [last.revisionArn] : [])];
    for (const arn of pinnedRevisions) {
      for (const c of ecs.revisionsByArn.get(arn)?.containerImages ?? []) {
        if (c.imageDigest === undefined) continue;
        const r = resolver.resolve(c.image, 'container', c.imageDigest);
        if (r.found) add(r, id, `ECS pinned this digest for container ${c.containerName} in service revision ${arn}`);
      }
    }
    for (const ts of service.taskSets) {
      for (const c of containersOf(ts.taskDefinition)) {
        const r = resolver.resolve(c.image);
        if (r.found) add(r, { kind: 'ecs-task-set', id: ts.taskSetArn, protecting: true }, `task set (${ts.status}) runs ${taskDefinitionKey(ts.taskDefinition)}, container ${c.containerName} names it ${how(r)}`);
      }
    }
  }
  for (const task of facts.tasks) {
    const state = isTaskProtecting(task, options);
    for (const c of task.containers) {
      const r = resolver.resolve(c.image, 'container', c.imageDigest);
      if (r.found) add(r, { kind: 'ecs-task', id: task.taskArn, protecting: state.protecting }, `${state.reason}; container ${c.name} runs it`);
    }
  }
}

function addLambdaReferrers(facts: AccountFacts, resolver: ImageResolver, add: Sink): void {
  const addFunction = (fn: LambdaFunctionFact, referrer: Omit<Referrer, 'reason' | 'account' | 'region'>, prefix: string) => {
    if (fn.resolvedImageUri !== undefined) {
      const r = resolver.resolve(fn.resolvedImageUri);
      if (r.found) add(r, referrer, `${prefix}runs this digest (ResolvedImageUri)`);
    }
    if (fn.imageUri !== undefined) {
      const r = resolver.resolve(fn.imageUri);
      if (r.found && r.via === 'tag') add(r, referrer, `${prefix}ImageUri names tag ${r.tag}, which points to it now (the next code update would deploy it)`);
      else if (r.found && fn.resolvedImageUri === undefined) add(r, referrer, `${prefix}ImageUri names it by digest`);
    }
  };
  const versions = new Map(facts.lambdaFunctions.map((fn) => [`${fn.functionName}:${fn.version}`, fn]));
  for (const fn of facts.lambdaFunctions) addFunction(fn, { kind: 'lambda-function', id: fn.functionArn, protecting: true }, `version ${fn.version} `);
  for (const alias of facts.lambdaAliases) {
    for (const version of [alias.functionVersion, ...alias.additionalVersions]) {
      const fn = versions.get(`${alias.functionName}:${version}`);
      if (fn) addFunction(fn, { kind: 'lambda-alias', id: alias.aliasArn, protecting: true }, `alias ${alias.name} routes to version ${version}, which `);
    }
  }
}

function propagateThroughParents(images: readonly ImageFact[], inUse: Set<string>): void {
  let changed = true;
  while (changed) {
    changed = false;
    for (const image of images) {
      const key = imageKey(image.repositoryName, image.imageDigest);
      if (!inUse.has(key)) continue;
      for (const child of image.childDigests) {
        const childKey = imageKey(image.repositoryName, child);
        if (!inUse.has(childKey)) { inUse.add(childKey); changed = true; }
      }
    }
    for (const image of images) {
      const key = imageKey(image.repositoryName, image.imageDigest);
      if (image.subjectDigest !== undefined && !inUse.has(key) && inUse.has(imageKey(image.repositoryName, image.subjectDigest))) {
        inUse.add(key);
        changed = true;
      }
    }
  }
}

type Found = Map<string, Map<string, { kind: Referrer['kind']; id: string; account: string; region: string; protecting: boolean; reasons: string[] }>>;

function collect(found: Found, key: string, referrer: Omit<Referrer, 'reason'>, reasons: readonly string[]): void {
  const perImage = found.get(key) ?? new Map();
  found.set(key, perImage);
  const slot = `${referrer.kind} ${referrer.id}`;
  const entry = perImage.get(slot) ?? { ...referrer, reasons: [] };
  entry.protecting ||= referrer.protecting;
  for (const reason of reasons) if (!entry.reasons.includes(reason)) entry.reasons.push(reason);
  perImage.set(slot, entry);
}

function sortedReferrers(found: Found): Map<string, Referrer[]> {
  const referrers = new Map<string, Referrer[]>();
  for (const [key, perImage] of found) {
    const list = [...perImage.values()]
      .map(({ kind, id, account, region, protecting, reasons }) => ({ kind, id, account, region, protecting, reason: reasons.join('; ') }))
      .sort((a, b) => a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id));
    referrers.set(key, list);
  }
  return referrers;
}

/**
 * Finds every referrer of every image, and which images are in use. Pure: facts, options and the clock in; usage out.
 * `cross` adds referrers from other scopes of these images, and reports what these referrers do to other scopes' images.
 */
export function computeUsage(facts: AccountFacts, options: WindowOptions, cross: CrossScope = {}): Usage {
  const here = { account: facts.scope.accountId, region: facts.scope.region };
  const resolver = new ImageResolver(facts.scope, facts.images, cross.foreign);
  const found: Found = new Map();
  const foreign = new Map<string, Found>();
  const add: Sink = (resolution, referrer, reason) => {
    if (!resolution.found) return;
    for (const { key, scope } of resolution.targets) {
      const into = scope ? foreign.get(`${scope.accountId}#${scope.region}`) ?? new Map() : found;
      if (scope) foreign.set(`${scope.accountId}#${scope.region}`, into);
      collect(into, key, { ...referrer, ...here }, [reason]);
    }
  };
  for (const [key, referrers] of cross.external ?? []) {
    for (const r of referrers) collect(found, key, r, [r.reason]);
  }

  addEcsReferrers(facts, options, resolver, add);
  addLambdaReferrers(facts, resolver, add);
  for (const jd of facts.batchJobDefinitions ?? []) {
    // A deregistered (INACTIVE) definition can no longer be submitted; an ACTIVE one may run any time.
    const active = jd.status === 'ACTIVE';
    for (const c of jd.containers) {
      const r = resolver.resolve(c.image);
      if (r.found) add(r, { kind: 'batch-job-definition', id: jd.jobDefinitionArn, protecting: active }, `${jd.jobDefinitionName}:${jd.revision} (${jd.status}) container ${c.containerName} names it ${how(r)}`);
    }
  }
  for (const svc of facts.appRunnerServices ?? []) {
    const live = svc.status !== 'DELETED';
    const r = resolver.resolve(svc.image);
    if (r.found) add(r, { kind: 'apprunner-service', id: svc.serviceArn, protecting: live }, `App Runner service ${svc.serviceName} (${svc.status}) deploys it ${how(r)}`);
  }
  for (const seen of facts.inspector ?? []) {
    const r = resolver.resolve(`${seen.repositoryName}@${seen.imageDigest}`, 'query');
    add(r, { kind: 'inspector', id: 'inspector:ecr-image-in-use', protecting: true }, `Amazon Inspector saw it in use at ${seen.lastInUseAt} (${seen.inUseCount} ECS task(s) or EKS pod(s))`);
  }
  for (const reported of facts.reported ?? []) {
    const r = resolver.resolve(reported.image, 'container');
    const workloads = reported.workloads.length > 0 ? `: ${reported.workloads.slice(0, 5).join(', ')}${reported.workloads.length > 5 ? ` and ${reported.workloads.length - 5} more` : ''}` : '';
    if (r.found) add(r, { kind: 'usage-report', id: `usage-report:${reported.source}`, protecting: true }, `source ${reported.source} reported it at ${reported.reportedAt} (${reported.image}, ${how(r)})${workloads}`);
  }
  for (const pin of facts.pins) {
    const r = resolver.resolve(`${pin.repositoryName}@${pin.imageDigest}`, 'query');
    const expired = pin.expiresAt !== undefined && Date.parse(pin.expiresAt) <= Date.parse(options.now);
    const when = pin.expiresAt === undefined ? `pinned at ${pin.pinnedAt}` : expired ? `pinned at ${pin.pinnedAt}, expired at ${pin.expiresAt}` : `pinned at ${pin.pinnedAt} until ${pin.expiresAt}`;
    add(r, { kind: 'pin', id: `pin:${pin.repositoryName}@${pin.imageDigest}`, protecting: !expired }, `${when}: ${pin.reason}`);
  }

  const inUse = new Set<string>();
  for (const [key, perImage] of found) if ([...perImage.values()].some((r) => r.protecting)) inUse.add(key);
  propagateThroughParents(facts.images, inUse);

  const { accountId, region } = facts.scope;
  for (const image of facts.images) {
    const uri = imageUri(accountId, region, image.repositoryName, image.imageDigest);
    const parentInUse = inUse.has(imageKey(image.repositoryName, image.imageDigest));
    for (const child of image.childDigests) {
      const r = resolver.resolve(`${image.repositoryName}@${child}`, 'query');
      add(r, { kind: 'image-index', id: uri, protecting: parentInUse }, parentInUse ? 'its image index is in use' : 'its image index is not in use');
    }
    if (image.subjectDigest !== undefined) {
      const subjectKey = imageKey(image.repositoryName, image.subjectDigest);
      const subject = resolver.image(subjectKey);
      if (subject) {
        const subjectUri = imageUri(accountId, region, subject.repositoryName, subject.imageDigest);
        const r = resolver.resolve(`${image.repositoryName}@${image.imageDigest}`, 'query');
        add(r, { kind: 'image-subject', id: subjectUri, protecting: inUse.has(subjectKey) }, `it is an artifact (${image.artifactMediaType ?? 'referrer'}) about that image, which is ${inUse.has(subjectKey) ? '' : 'not '}in use`);
      }
    }
  }

  return {
    referrers: sortedReferrers(found), inUse, resolver, unresolvedRegistries: resolver.missedRegistries,
    foreign: new Map([...foreign].map(([scope, perImage]) => [scope, sortedReferrers(perImage)])),
  };
}
