import { mapInParallel } from '../concurrency.js';
import type { Config } from '../config.js';
import type { AccountFacts, AppRunnerServiceFact, BatchJobDefinitionFact, ImageFact, InspectorEvidenceFact, LambdaAliasFact, LambdaFunctionFact, PinFact, ReportedImageFact, Scope, ServiceDeploymentFact, ServiceFact, ServiceRevisionFact, TaskDefinitionFact, TaskFact } from '../domain/facts.js';
import { imageKey, scopeKey } from '../domain/facts.js';
import { familyOf } from '../domain/named-images.js';
import type { Referrer } from '../domain/usage.js';
import { usageAcrossScopes } from '../domain/usage-across-scopes.js';
import type { IndexedFact, UsageIndex } from './usage-index.js';

const id = scopeKey;
/** How far up index parents and subjects the evaluation follows (an index of an index is already rare). */
const MAX_DEPTH = 3;

export interface TargetImage {
  readonly registry: Scope;
  readonly image: ImageFact;
  /** The image's referrers, when the caller already read its group (saves reading it again). */
  readonly referrers?: readonly string[];
}

export type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer E)[] ? E[] : T[K] };
export const emptyFacts = (scope: Scope, capturedAt: string): Mutable<AccountFacts> => ({
  scope, capturedAt, repositories: [], images: [], taskDefinitions: [], services: [], serviceDeployments: [], serviceRevisions: [], tasks: [], lambdaFunctions: [], lambdaAliases: [], pins: [], reported: [], batchJobDefinitions: [], appRunnerServices: [], inspector: [],
});

/** Images to evaluate: the asked ones, and the parents (indexes) and subjects whose use keeps them. */
async function gatherTargets(index: UsageIndex, asked: readonly TargetImage[]): Promise<{ targets: Map<string, TargetImage>; referrerIds: Set<string> }> {
  const targets = new Map<string, TargetImage>();
  const referrerIds = new Set<string>();
  let frontier = [...asked];
  for (let depth = 0; frontier.length > 0 && depth < MAX_DEPTH; depth += 1) {
    const next: TargetImage[] = [];
    for (const target of frontier) {
      const key = `${id(target.registry)}#${imageKey(target.image.repositoryName, target.image.imageDigest)}`;
      if (targets.has(key)) continue;
      targets.set(key, target);
      const ids = [...(target.referrers ?? (await index.image(target.registry, target.image.repositoryName, target.image.imageDigest)).referrers)];
      for (const tag of target.image.imageTags) ids.push(...await index.tagReferrers(target.registry, target.image.repositoryName, tag));
      ids.forEach((r) => referrerIds.add(r));
      // An index naming this image is a referrer whose own use decides; so is the subject of an artifact.
      const parents = ids.flatMap((r) => /#image#[^@]+@(.+)$/.exec(r)?.[1] ?? []);
      for (const digest of [...parents, ...(target.image.subjectDigest ? [target.image.subjectDigest] : [])]) {
        const { image } = await index.image(target.registry, target.image.repositoryName, digest);
        if (image) next.push({ registry: target.registry, image });
      }
    }
    frontier = next;
  }
  return { targets, referrerIds };
}

/** How many index reads (a repository's references, a family's or a function's context) run at once. */
export const INDEX_READS_IN_PARALLEL = 8;

/** Every fact that decides whether the referrers protect: families, services and their deployments, functions. */
export async function gatherContext(index: UsageIndex, referrers: readonly IndexedFact[], capturedAt: string): Promise<Map<string, Mutable<AccountFacts>>> {
  const scopes = new Map<string, Mutable<AccountFacts>>();
  const factsOf = (scope: Scope) => scopes.get(id(scope)) ?? scopes.set(id(scope), emptyFacts(scope, capturedAt)).get(id(scope))!;
  const families = new Map<string, { scope: Scope; family: string }>();
  const functions = new Map<string, { scope: Scope; name: string }>();
  const servicesToRead = new Set<string>();
  for (const r of referrers) {
    const facts = factsOf(r.scope);
    if (r.kind === 'task-definition') families.set(`${id(r.scope)}|${String(r.fact.family)}`, { scope: r.scope, family: String(r.fact.family) });
    if (r.kind === 'task') families.set(`${id(r.scope)}|${familyOf(String(r.fact.taskDefinitionArn))}`, { scope: r.scope, family: familyOf(String(r.fact.taskDefinitionArn)) });
    if (r.kind === 'service-revision') families.set(`${id(r.scope)}|${familyOf(String(r.fact.taskDefinition))}`, { scope: r.scope, family: familyOf(String(r.fact.taskDefinition)) });
    if (r.kind === 'lambda-function') functions.set(`${id(r.scope)}|${String(r.fact.functionName)}`, { scope: r.scope, name: String(r.fact.functionName) });
    if (r.kind === 'pin') facts.pins.push(r.fact as unknown as PinFact);
    if (r.kind === 'reported-image') (facts.reported as ReportedImageFact[]).push(r.fact as unknown as ReportedImageFact);
    if (r.kind === 'batch-job-definition') (facts.batchJobDefinitions as BatchJobDefinitionFact[]).push(r.fact as unknown as BatchJobDefinitionFact);
    if (r.kind === 'apprunner-service') (facts.appRunnerServices as AppRunnerServiceFact[]).push(r.fact as unknown as AppRunnerServiceFact);
    if (r.kind === 'inspector-evidence') (facts.inspector as InspectorEvidenceFact[]).push(r.fact as unknown as InspectorEvidenceFact);
  }
  // Each family's, function's and service's context is one bounded read: a few at a time, taken in order.
  const familyList = [...families.values()];
  const contexts = await mapInParallel(familyList, INDEX_READS_IN_PARALLEL, ({ scope, family }) => index.family(scope, family));
  for (const [n, { scope }] of familyList.entries()) {
    const context = contexts[n]!;
    const facts = factsOf(scope);
    facts.taskDefinitions.push(...context.taskDefinitions);
    facts.tasks.push(...context.tasks);
    facts.serviceRevisions.push(...context.serviceRevisions);
    context.services.forEach((s) => servicesToRead.add(s));
    for (const rev of context.serviceRevisions) servicesToRead.add(`${id(scope)}#service#${rev.serviceArn}`);
  }
  const functionList = [...functions.values()];
  const functionContexts = await mapInParallel(functionList, INDEX_READS_IN_PARALLEL, ({ scope, name }) => index.lambdaFunction(scope, name));
  for (const [n, { scope }] of functionList.entries()) {
    const { versions, aliases } = functionContexts[n]!;
    factsOf(scope).lambdaFunctions.push(...versions);
    factsOf(scope).lambdaAliases.push(...aliases);
  }
  const services = await index.facts([...servicesToRead]);
  const deployments = await mapInParallel(services, INDEX_READS_IN_PARALLEL, (service) => index.serviceDeployments(service.scope, (service.fact as unknown as ServiceFact).serviceArn));
  for (const [n, service] of services.entries()) {
    factsOf(service.scope).services.push(service.fact as unknown as ServiceFact);
    factsOf(service.scope).serviceDeployments.push(...deployments[n]!);
  }
  return scopes;
}

const uniqueBy = <T>(list: readonly T[], key: (t: T) => string): T[] => [...new Map(list.map((t) => [key(t), t])).values()];

/** One scope's gathered facts with duplicates (found through several paths) dropped. */
export function deduplicated(facts: Mutable<AccountFacts>): AccountFacts {
  return {
    ...facts,
    taskDefinitions: uniqueBy<TaskDefinitionFact>(facts.taskDefinitions, (t) => `${t.family}:${t.revision}`),
    tasks: uniqueBy<TaskFact>(facts.tasks, (t) => t.taskArn),
    services: uniqueBy<ServiceFact>(facts.services, (s) => s.serviceArn),
    serviceDeployments: uniqueBy<ServiceDeploymentFact>(facts.serviceDeployments, (d) => d.serviceDeploymentArn),
    serviceRevisions: uniqueBy<ServiceRevisionFact>(facts.serviceRevisions, (r) => r.serviceRevisionArn),
    lambdaFunctions: uniqueBy<LambdaFunctionFact>(facts.lambdaFunctions, (f) => f.functionArn),
    lambdaAliases: uniqueBy<LambdaAliasFact>(facts.lambdaAliases, (a) => a.aliasArn),
    // Several pins per image (one per reason): each decides on its own (one may have expired).
    pins: uniqueBy<PinFact>(facts.pins, (p) => p.key ?? imageKey(p.repositoryName, p.imageDigest)),
    reported: uniqueBy<ReportedImageFact>(facts.reported ?? [], (r) => `${r.source}#${r.image}`),
    batchJobDefinitions: uniqueBy<BatchJobDefinitionFact>(facts.batchJobDefinitions ?? [], (j) => j.jobDefinitionArn),
    appRunnerServices: uniqueBy<AppRunnerServiceFact>(facts.appRunnerServices ?? [], (a) => a.serviceArn),
    inspector: uniqueBy<InspectorEvidenceFact>(facts.inspector ?? [], (e) => imageKey(e.repositoryName, e.imageDigest)),
    images: uniqueBy<ImageFact>(facts.images, (i) => imageKey(i.repositoryName, i.imageDigest)),
  };
}

/**
 * The referrers of `asked` images, read from the index in bounded Queries — the image's group, one per tag, the
 * referrers' families, services and functions — and judged by the same policy as a whole-scope evaluation.
 */
export async function indexedReferrers(index: UsageIndex, asked: readonly TargetImage[], config: Config, now: string): Promise<Map<string, readonly Referrer[]>> {
  const { targets, referrerIds } = await gatherTargets(index, asked);
  const referrers = await index.facts([...referrerIds]);
  const scopes = await gatherContext(index, referrers, now);
  for (const target of targets.values()) {
    const facts = scopes.get(id(target.registry)) ?? scopes.set(id(target.registry), emptyFacts(target.registry, now)).get(id(target.registry))!;
    facts.images.push(target.image);
  }
  const all = [...scopes.values()].map(deduplicated);
  const result = new Map<string, readonly Referrer[]>();
  for (const registry of new Set(asked.map((t) => id(t.registry)))) {
    const facts = all.find((f) => id(f.scope) === registry)!;
    const usage = usageAcrossScopes(facts, all, { ...config.ecs, now });
    for (const t of asked.filter((a) => id(a.registry) === registry)) {
      const key = imageKey(t.image.repositoryName, t.image.imageDigest);
      result.set(`${registry}#${key}`, usage.referrers.get(key) ?? []);
    }
  }
  return result;
}
