import type { AccountFacts, ImageFact, ImageHistory, Scope } from '../domain/facts.js';
import { imageKey } from '../domain/facts.js';
import { groupBy } from '../domain/group-by.js';

/**
 * How facts become table items. One item per fact:
 *   pk `{account}#{region}#{kind}#{id}`, sk `F`, with `scope`, `kind`, `fact` (a map) and `observedAt`.
 * Images also carry their history (`firstSeenAt`, `unprotectedSince`) and GSI1 keys (by repository, by push time);
 * task definitions carry GSI2 keys (by family, by revision). Watermarks are `pk WATERMARK`, `sk {scope}`;
 * checkpoint entries of an unfinished live read are `pk CHECKPOINT#{scope}`, `sk {kind}#{id}`.
 */

export type FactKind =
  | 'repository' | 'image' | 'task-definition' | 'service' | 'service-deployment' | 'service-revision'
  | 'task' | 'lambda-function' | 'lambda-alias' | 'pin';

export interface FactItem {
  pk: string;
  sk: 'F';
  scope: string;
  kind: FactKind;
  fact: Record<string, unknown>;
  observedAt: string;
  firstSeenAt?: string;
  unprotectedSince?: string;
  g1pk?: string;
  g1sk?: string;
  g2pk?: string;
  g2sk?: string;
}

export const scopeId = (scope: Scope) => `${scope.accountId}#${scope.region}`;
/** All watermarks share one partition, so listing the scopes is one Query instead of a table scan. */
export const WATERMARK_PK = 'WATERMARK';
export const watermarkKey = (scope: Scope) => ({ pk: WATERMARK_PK, sk: scopeId(scope) });
/** What an interrupted live read already fetched, one partition per scope (no fact item has this pk). */
export const checkpointPk = (scope: Scope) => `CHECKPOINT#${scopeId(scope)}`;
export const factPk = (scope: Scope, kind: FactKind, id: string) => `${scopeId(scope)}#${kind}#${id}`;

function item(scope: Scope, kind: FactKind, id: string, fact: object, observedAt: string): FactItem {
  return { pk: factPk(scope, kind, id), sk: 'F', scope: scopeId(scope), kind, fact: fact as Record<string, unknown>, observedAt };
}

function imageItem(scope: Scope, image: ImageFact, observedAt: string, history: ImageHistory | undefined): FactItem {
  return {
    ...item(scope, 'image', imageKey(image.repositoryName, image.imageDigest), image, observedAt),
    g1pk: `${scopeId(scope)}#repo#${image.repositoryName}`,
    g1sk: `${image.imagePushedAt}#${image.imageDigest}`,
    ...(history?.firstSeenAt && { firstSeenAt: history.firstSeenAt }),
    ...(history?.unprotectedSince && { unprotectedSince: history.unprotectedSince }),
  };
}

/** Every item that represents `facts`, images with the given history. Pins are the operator's and not included. */
export function factsToItems(facts: AccountFacts, history: ReadonlyMap<string, ImageHistory>, observedAt: string): FactItem[] {
  const { scope } = facts;
  return [
    ...facts.repositories.map((r) => item(scope, 'repository', r.repositoryName, r, observedAt)),
    ...facts.taskDefinitions.map((td) => ({
      ...item(scope, 'task-definition', `${td.family}:${td.revision}`, td, observedAt),
      g2pk: `${scopeId(scope)}#family#${td.family}`,
      g2sk: String(td.revision).padStart(10, '0'),
    })),
    ...facts.services.map((s) => item(scope, 'service', s.serviceArn, s, observedAt)),
    ...facts.serviceDeployments.map((d) => item(scope, 'service-deployment', d.serviceDeploymentArn, d, observedAt)),
    ...facts.serviceRevisions.map((r) => item(scope, 'service-revision', r.serviceRevisionArn, r, observedAt)),
    ...facts.tasks.map((t) => item(scope, 'task', t.taskArn, t, observedAt)),
    ...facts.lambdaFunctions.map((f) => item(scope, 'lambda-function', f.functionArn, f, observedAt)),
    ...facts.lambdaAliases.map((a) => item(scope, 'lambda-alias', a.aliasArn, a, observedAt)),
    // Images last: a crash part-way leaves new referrers written before the images they protect.
    ...facts.images.map((image) => imageItem(scope, image, observedAt, history.get(imageKey(image.repositoryName, image.imageDigest)))),
  ];
}

export function pinItem(scope: Scope, pin: { repositoryName: string; imageDigest: string; reason: string; pinnedAt: string }): FactItem {
  return item(scope, 'pin', imageKey(pin.repositoryName, pin.imageDigest), pin, pin.pinnedAt);
}

/** Rebuilds facts and history from a scope's items. */
export function itemsToFacts(scope: Scope, items: readonly FactItem[], capturedAt: string): { facts: AccountFacts; history: Map<string, ImageHistory> } {
  const history = new Map<string, ImageHistory>();
  for (const i of items) {
    if (i.kind !== 'image' || (!i.firstSeenAt && !i.unprotectedSince)) continue;
    const image = i.fact as unknown as ImageFact;
    history.set(imageKey(image.repositoryName, image.imageDigest), {
      ...(i.firstSeenAt && { firstSeenAt: i.firstSeenAt }), ...(i.unprotectedSince && { unprotectedSince: i.unprotectedSince }),
    });
  }
  const groups = groupBy([...items].sort((a, b) => (a.pk < b.pk ? -1 : 1)), (i) => i.kind);
  const ordered = (kind: FactKind) => (groups.get(kind) ?? []).map((i) => i.fact) as never[];
  return {
    facts: {
      scope, capturedAt,
      repositories: ordered('repository'), images: ordered('image'), taskDefinitions: ordered('task-definition'),
      services: ordered('service'), serviceDeployments: ordered('service-deployment'), serviceRevisions: ordered('service-revision'),
      tasks: ordered('task'), lambdaFunctions: ordered('lambda-function'), lambdaAliases: ordered('lambda-alias'), pins: ordered('pin'),
    },
    history,
  };
}
