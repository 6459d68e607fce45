import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyFacts } from '../../src/app/indexed-usage.js';
import { reachWorld } from '../../src/app/reach/reach-world.js';
import { parseConfig } from '../../src/config.js';
import { imageKey, scopeKey, type AccountFacts, type ImageHistory, type Scope } from '../../src/domain/facts.js';
import type { RegionProbe } from '../../src/domain/region-probe.js';
import { planRetention } from '../../src/domain/retention-policy.js';
import { digest } from '../fixtures/account-builder.js';

/**
 * The reach of a deletion, as a property (issues 20 and 30): for random organisations — repository policies with account,
 * organisation, open and service-principal grants (bounded by aws:SourceAccount / SourceArn / SourceOrgID, or by a
 * wildcard, an unknown key, an IfExists, or nothing); old snapshots loaded now; ignored regions of the registry account; replication rules with and without deleteReplication; member scopes read live, held
 * fresh, held stale, never held, or failing now — no image the plan deletes is used by any scope its deletion reaches.
 * The truth each world is checked against is computed here, apart from the code under test: who can pull (or loses a
 * replica), and who runs the image now (stale ledgers may say otherwise).
 */
const A = '111111111111';
const ACCOUNTS = ['222222222222', '333333333333', '444444444444'];
const HOME = 'eu-west-1';
const REGIONS = [HOME, 'us-west-2'];
const ORG = 'o-abcdefghij';
const NOW = '2026-11-20T00:00:00.000Z';
const HOUR = 3_600_000;
const REPOS = ['r0', 'r1', 'r2'];
const IMAGES_PER_REPO = 3;

const registry: Scope = { accountId: A, region: HOME };
const otherScopes: Scope[] = [{ accountId: A, region: 'us-west-2' }, ...ACCOUNTS.flatMap((accountId) => REGIONS.map((region) => ({ accountId, region })))];
const imageName = (repo: string, n: number) => `${repo}-${n}`;

const policyArb = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({ kind: fc.constant('accounts' as const), accounts: fc.subarray(ACCOUNTS, { minLength: 1 }) }),
  fc.record({ kind: fc.constant('organization' as const), org: fc.constantFrom(ORG, 'o-zzzzzzzzzz') }),
  fc.constant({ kind: 'anyone' as const }),
  // A service principal (Lambda pulling for a function), bounded or not by its condition (issue 30, point 2).
  fc.record({ kind: fc.constant('service' as const), accounts: fc.subarray(ACCOUNTS, { minLength: 1 }), condition: fc.constantFrom('none', 'sourceAccount', 'sourceArn', 'wildcardArn', 'unknownKey', 'ifExists', 'sourceOrg') }),
);
const destinationArb = fc.constantFrom<Scope>({ accountId: A, region: 'us-west-2' }, { accountId: ACCOUNTS[0]!, region: HOME });
// `old`: a snapshot captured ten days ago, loaded just now (issue 30, point 3).
const standingArb = fc.constantFrom('live', 'fresh', 'stale', 'old', 'unheld', 'failed');
const usageArb = fc.subarray(REPOS.flatMap((r) => Array.from({ length: IMAGES_PER_REPO }, (_, n) => imageName(r, n))), { maxLength: 3 });

const worldArb = fc.record({
  repositories: fc.tuple(...REPOS.map(() => fc.record({ policy: policyArb, replicatesTo: fc.subarray([0, 1]), deleteReplication: fc.boolean() }))),
  members: fc.subarray(ACCOUNTS),
  memberRegions: fc.subarray(REGIONS, { minLength: 1 }),
  organizationId: fc.option(fc.constantFrom(ORG, 'o-zzzzzzzzzz'), { nil: undefined }),
  scopes: fc.tuple(...otherScopes.map(() => fc.record({ standing: standingArb, uses: usageArb, ledgerSays: usageArb }))),
  replicationTargets: fc.tuple(destinationArb, destinationArb),
  // The operator says the registry account's workloads there do not pull from it (issue 30, point 4).
  ignoreRegions: fc.subarray(['us-west-2']),
});
type World = typeof worldArb extends fc.Arbitrary<infer T> ? T : never;

const policyText = (p: World['repositories'][number]['policy']): string | undefined => {
  const allow = (principal: unknown, condition?: object) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: principal, Action: ['ecr:BatchGetImage'], ...(condition && { Condition: condition }) }] });
  if (p.kind === 'none') return undefined;
  if (p.kind === 'accounts') return allow({ AWS: p.accounts.map((a) => `arn:aws:iam::${a}:root`) });
  if (p.kind === 'organization') return allow('*', { StringEquals: { 'aws:PrincipalOrgID': p.org } });
  if (p.kind === 'service') {
    const lambda = { Service: 'lambda.amazonaws.com' };
    const arns = p.accounts.map((a) => `arn:aws:lambda:${HOME}:${a}:function:*`);
    switch (p.condition) {
      case 'none': return allow(lambda);
      case 'sourceAccount': return allow(lambda, { StringEquals: { 'aws:SourceAccount': p.accounts } });
      case 'sourceArn': return allow(lambda, { ArnLike: { 'aws:SourceArn': arns } });
      case 'wildcardArn': return allow(lambda, { ArnLike: { 'aws:SourceArn': `arn:aws:lambda:${HOME}:*:function:*` } });
      case 'unknownKey': return allow(lambda, { StringEquals: { 'aws:SourceVpce': 'vpce-1' } });
      case 'ifExists': return allow(lambda, { StringEqualsIfExists: { 'aws:SourceAccount': p.accounts } });
      case 'sourceOrg': return allow(lambda, { StringEquals: { 'aws:SourceOrgID': ORG } });
    }
  }
  return allow('*');
};

/** A scope that runs `images` (of the registry, or of its replica when the scope is a destination of that repository). */
function running(scope: Scope, images: readonly string[], replicaOf: (repo: string) => boolean): AccountFacts {
  const facts = emptyFacts(scope, NOW);
  images.forEach((name, i) => {
    const repo = name.split('-')[0]!;
    const host = replicaOf(repo) ? `${scope.accountId}.dkr.ecr.${scope.region}.amazonaws.com` : `${A}.dkr.ecr.${HOME}.amazonaws.com`;
    const image = `${host}/${repo}@${digest(name)}`;
    facts.tasks.push({
      taskArn: `arn:aws:ecs:${scope.region}:${scope.accountId}:task/c/${i}`, clusterArn: `arn:aws:ecs:${scope.region}:${scope.accountId}:cluster/c`,
      taskDefinitionArn: `arn:aws:ecs:${scope.region}:${scope.accountId}:task-definition/t:1`, lastStatus: 'RUNNING', containers: [{ name: 'main', image, imageDigest: digest(name) }],
    });
  });
  return facts;
}

function evaluate(w: World) {
  const destinations = (i: number) => w.repositories[i]!.replicatesTo.map((t) => w.replicationTargets[t]!);
  const deleting = (i: number) => (w.repositories[i]!.deleteReplication ? destinations(i) : []);
  const config = parseConfig({
    repositories: [{ pattern: '*', keepLatest: 0, olderThanDays: 0, graceDays: 0, keepTags: [], keepPulledWithinDays: 0, keepIfSharedWithOtherAccounts: true }],
    sweep: { minimumImageAgeHours: 0 }, scope: { ignoreRegions: w.ignoreRegions },
    ...(w.members.length > 0 && { organization: { ...(w.organizationId && { id: w.organizationId }), accounts: w.members.map((id) => ({ id, regions: w.memberRegions })) } }),
  });
  const facts = emptyFacts(registry, NOW);
  const history = new Map<string, ImageHistory>();
  REPOS.forEach((repositoryName, i) => {
    const text = policyText(w.repositories[i]!.policy);
    facts.repositories.push({ repositoryName, ...(text && { policyText: text }), ...(deleting(i).length > 0 && { deleteReplicatesTo: deleting(i) }) });
    for (let n = 0; n < IMAGES_PER_REPO; n += 1) {
      const imageDigest = digest(imageName(repositoryName, n));
      facts.images.push({ repositoryName, imageDigest, imageTags: [], imagePushedAt: '2026-08-01T00:00:00.000Z', imageSizeInBytes: 1_000_000, childDigests: [] });
      history.set(imageKey(repositoryName, imageDigest), { firstSeenAt: '2026-08-01T00:00:00.000Z', unprotectedSince: '2026-09-01T00:00:00.000Z' });
    }
  });
  // A scope is a destination of repo R when some rule replicates R there (with or without deletes): its workloads use the replica.
  const replicaOf = (scope: Scope) => (repo: string) => destinations(REPOS.indexOf(repo)).some((d) => scopeKey(d) === scopeKey(scope));
  const members = new Set(w.members);
  const standingOf = (i: number) => {
    const s = w.scopes[i]!.standing;
    // Only members are read live (or fail to be); another scope the ledger holds fresh instead.
    return (s === 'live' || s === 'failed') && !members.has(otherScopes[i]!.accountId) ? 'fresh' : s;
  };
  const held = otherScopes.flatMap((scope, i) => {
    const s = standingOf(i);
    if (s === 'unheld' || s === 'live') return [];
    const capturedAt = new Date(Date.parse(NOW) - (s === 'stale' || s === 'old' ? 240 : 2) * HOUR).toISOString();
    const reconciledAt = s === 'old' ? new Date(Date.parse(NOW) - HOUR).toISOString() : capturedAt; // loaded just now
    return [{ scope, watermark: { scope, reconciledAt, capturedAt, source: 'test' } }];
  });
  const live = otherScopes.filter((_, i) => standingOf(i) === 'live');
  const failed = new Map(otherScopes.filter((_, i) => standingOf(i) === 'failed').map((s) => [s.accountId, 'AccessDenied']));
  // What the run sees of each scope: the live read (its true usage), or the ledger (a stale one may be out of date).
  const others = otherScopes.flatMap((scope, i) => {
    const s = standingOf(i);
    if (s === 'unheld') return [];
    const seen = s === 'live' || s === 'fresh' ? w.scopes[i]!.uses : w.scopes[i]!.ledgerSays;
    return [running(scope, seen, replicaOf(scope))];
  });
  // The daily probe: every region where something runs (the region probe's promise).
  const probes: RegionProbe[] = [A, ...ACCOUNTS].map((accountId) => ({
    accountId, probedAt: NOW,
    regions: REGIONS.map((region) => {
      const i = otherScopes.findIndex((s) => s.accountId === accountId && s.region === region);
      const runs = i >= 0 && w.scopes[i]!.uses.length > 0 ? 1 : 0;
      return { region, ecsClusters: runs, imageFunctions: 0, eksClusters: 0, batchJobQueues: 0, appRunnerServices: 0 };
    }),
  }));
  const world = reachWorld(config, { registry, home: 'live', held, live, failed, probes, now: NOW });
  const plan = planRetention(facts, history, { config, now: NOW, historySource: 'ledger', others, world });

  // The truth: who can pull from R (or loses its replica when R's image goes), and whether they run the image now.
  const organisation = w.members;
  const canReach = (repoIndex: number, scope: Scope): boolean => {
    // A scope that runs the replica loses it only when the rule replicates deletes.
    if (replicaOf(scope)(REPOS[repoIndex]!)) return deleting(repoIndex).some((d) => scopeKey(d) === scopeKey(scope));
    // The registry's own account pulls from any region — but where the operator says its workloads do not (ignoreRegions).
    if (scope.accountId === A) return !w.ignoreRegions.includes(scope.region);
    const p = w.repositories[repoIndex]!.policy;
    if (p.kind === 'anyone') return true;
    if (p.kind === 'accounts') return p.accounts.includes(scope.accountId);
    if (p.kind === 'organization') return p.org !== w.organizationId || organisation.includes(scope.accountId) || organisation.length === 0;
    if (p.kind === 'service') {
      // What IAM admits: any account's function, unless a condition pins the source account or organisation.
      if (p.condition === 'sourceAccount' || p.condition === 'sourceArn') return p.accounts.includes(scope.accountId);
      if (p.condition === 'sourceOrg') return ORG !== w.organizationId || organisation.includes(scope.accountId) || organisation.length === 0;
      return true;
    }
    return false;
  };
  const violations = plan.images.filter((p) => p.action === 'delete').flatMap((p) => {
    const name = REPOS.flatMap((r) => Array.from({ length: IMAGES_PER_REPO }, (_, n) => imageName(r, n))).find((n) => digest(n) === p.image.imageDigest)!;
    const repoIndex = REPOS.indexOf(p.image.repositoryName);
    return otherScopes.filter((scope, i) => canReach(repoIndex, scope) && w.scopes[i]!.uses.includes(name)).map((scope) => `${name} deleted, used in ${scopeKey(scope)} (${standingOf(otherScopes.indexOf(scope))})`);
  });
  return { plan, violations };
}

describe('the reach of a deletion, over random organisations', () => {
  it('no image the plan deletes is used in any scope its deletion reaches', () => {
    let deleted = 0;
    fc.assert(fc.property(worldArb, (w) => {
      const { plan, violations } = evaluate(w);
      deleted += plan.images.filter((p) => p.action === 'delete').length;
      expect(violations).toEqual([]);
    }), { numRuns: 400 });
    // The property is not vacuous: across the worlds, images were deleted.
    expect(deleted).toBeGreaterThan(100);
  });
});
