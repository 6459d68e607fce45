import { describe, expect, it } from 'vitest';
import { blockingScopes, reachOf, type ReachWorld, type Standing } from '../../src/domain/reach.js';
import { repositoryGrants } from '../../src/domain/repository-grants.js';
import { deleteDestinations } from '../../src/domain/replication.js';
import { reachWorld } from '../../src/app/reach/reach-world.js';
import { configSchema } from '../../src/config.js';

const ME = '111111111111';
const ORG = 'o-abcdefghij';
const policy = (statement: object) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
const orgGrant = (condition: object) => policy({ Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage', Condition: condition });

describe('repositoryGrants: who a repository policy lets pull', () => {
  it.each([
    ['StringEquals aws:PrincipalOrgID', orgGrant({ StringEquals: { 'aws:PrincipalOrgID': ORG } }), [ORG]],
    ['StringLike without wildcards', orgGrant({ StringLike: { 'aws:PrincipalOrgID': [ORG] } }), [ORG]],
    ['aws:PrincipalOrgPaths under it', orgGrant({ 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': [`${ORG}/r-ab12/ou-ab12-11111111/*`] } }), [ORG]],
  ])('reads an organisation grant: %s', (_, text, organizations) => {
    expect(repositoryGrants(text, ME)).toEqual({ accounts: [], organizations });
  });

  it.each([
    ['a wildcard organisation', orgGrant({ StringLike: { 'aws:PrincipalOrgID': 'o-*' } })],
    ['a second condition', orgGrant({ StringEquals: { 'aws:PrincipalOrgID': ORG, 'aws:SourceVpce': 'vpce-1' } })],
    ['two organisations', orgGrant({ StringEquals: { 'aws:PrincipalOrgID': [ORG, 'o-zzzzzzzzzz'] } })],
    ['no condition', policy({ Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage' })],
    ['NotPrincipal', policy({ Effect: 'Allow', NotPrincipal: { AWS: `arn:aws:iam::${ME}:root` }, Action: 'ecr:BatchGetImage' })],
    ['an unreadable policy', '{'],
  ])('a grant no account list bounds: %s', (_, text) => {
    expect(repositoryGrants(text, ME).unbounded).toBeDefined();
  });
});

describe('reachOf: the scopes a deletion in a repository reaches', () => {
  const held = new Map<string, Standing>([[`${ME}/eu-west-1`, { readable: true, how: 'live' }], ['222222222222/eu-west-1', { readable: true, how: 'ledger' }]]);
  const world = (over: Partial<ReachWorld> = {}): ReachWorld => ({
    registry: { accountId: ME, region: 'eu-west-1' }, workloadRegions: [], regionsOf: (a) => (a === '222222222222' || a === '333333333333' ? ['eu-west-1'] : []), members: new Set(),
    standing: (s) => held.get(`${s.accountId}/${s.region}`) ?? { readable: false, problem: 'unheld', why: 'the ledger does not hold it' },
    ...over,
  });

  it('an organisation grant is judged by every account of the organisation when organization.id names it', () => {
    const reach = reachOf({ repositoryName: 'r', policyText: orgGrant({ StringEquals: { 'aws:PrincipalOrgID': ORG } }) }, world({ organization: { id: ORG, accounts: ['222222222222', '333333333333'] } }));
    expect(reach.unbounded).toBeUndefined();
    expect(reach.scopes.map((s) => `${s.accountId}/${s.region}:${s.via}`)).toEqual([`${ME}/eu-west-1:registry`, '222222222222/eu-west-1:organization', '333333333333/eu-west-1:organization']);
    expect(blockingScopes(reach, true, new Set()).map((s) => s.accountId)).toEqual(['333333333333']);
  });

  it('without organization.id, or for another organisation, it is a grant to anyone', () => {
    expect(reachOf({ repositoryName: 'r', policyText: orgGrant({ StringEquals: { 'aws:PrincipalOrgID': ORG } }) }, world()).unbounded).toMatch(/organization.id is not set/);
    expect(reachOf({ repositoryName: 'r', policyText: orgGrant({ StringEquals: { 'aws:PrincipalOrgID': ORG } }) }, world({ organization: { id: 'o-zzzzzzzzzz', accounts: [] } })).unbounded).toMatch(/another one/);
  });

  it('a replication destination and a region of the registry\'s account are never waived; an unheld granted account is, with keepIfShared false', () => {
    const reach = reachOf({ repositoryName: 'r', policyText: policy({ Effect: 'Allow', Principal: { AWS: '444444444444' }, Action: 'ecr:BatchGetImage' }), deleteReplicatesTo: [{ accountId: ME, region: 'us-west-2' }] }, world({ workloadRegions: ['ap-south-1'] }));
    expect(blockingScopes(reach, true, new Set()).map((s) => `${s.accountId}/${s.region}`)).toEqual([`${ME}/ap-south-1`, `${ME}/us-west-2`, '444444444444/*']);
    expect(blockingScopes(reach, false, new Set()).map((s) => `${s.accountId}/${s.region}`)).toEqual([`${ME}/ap-south-1`, `${ME}/us-west-2`]);
    expect(blockingScopes(reach, false, new Set(['444444444444'])).map((s) => `${s.accountId}/${s.region}`)).toEqual([`${ME}/ap-south-1`, `${ME}/us-west-2`, '444444444444/*']);
  });
});

describe('deleteDestinations: where a deletion is replicated', () => {
  const rules = [
    { destinations: [{ accountId: ME, region: 'us-west-2' }], repositoryPrefixes: ['prod/'], replicatesDeletes: true },
    { destinations: [{ accountId: '222222222222', region: 'eu-west-1' }], repositoryPrefixes: [], replicatesDeletes: false },
  ];
  it('only rules with deleteReplication whose prefix matches the repository', () => {
    expect(deleteDestinations(rules, { accountId: ME, region: 'eu-west-1' }, 'prod/web')).toEqual([{ accountId: ME, region: 'us-west-2' }]);
    expect(deleteDestinations(rules, { accountId: ME, region: 'eu-west-1' }, 'dev/web')).toEqual([]);
  });
});

describe('reachWorld with the region probe', () => {
  const config = (ignoreRegions: string[] = []) => configSchema.parse({ scope: { ignoreRegions } });
  const registry = { accountId: ME, region: 'eu-west-1' };
  const probe = { accountId: ME, probedAt: '2026-11-19T00:00:00.000Z', regions: [
    { region: 'us-west-2', ecsClusters: 1, imageFunctions: 0, eksClusters: 0, batchJobQueues: 0, appRunnerServices: 0 },
    { region: 'ap-south-1', ecsClusters: 0, imageFunctions: 0, eksClusters: 0, batchJobQueues: 0, appRunnerServices: 0 },
  ] };
  const at = '2026-11-20T00:00:00.000Z';
  const replicated = { repositoryName: 'web', deleteReplicatesTo: [{ accountId: ME, region: 'us-west-2' }] };

  it('a probed region with workloads is in the reach of every repository; one with none is not', () => {
    const world = reachWorld(config(), { registry, home: 'live', held: [], probes: [probe], now: at });
    const reach = reachOf({ repositoryName: 'app' }, world);
    expect(reach.scopes.map((s) => `${s.region}:${s.via}`)).toEqual(['eu-west-1:registry', 'us-west-2:region']);
    expect(reach.scopes[1]!.because).toBe(`workloads in us-west-2 of ${ME} can pull from it; region probe of 2026-11-19T00:00:00.000Z: 1 ECS cluster`);
  });

  it('scope.ignoreRegions removes a probed region, but never a replication destination', () => {
    const world = reachWorld(config(['us-west-2']), { registry, home: 'live', held: [], probes: [probe], now: at });
    expect(reachOf({ repositoryName: 'app' }, world).scopes.map((s) => s.region)).toEqual(['eu-west-1']);
    const reach = reachOf(replicated, world);
    expect(reach.scopes.map((s) => `${s.region}:${s.via}`)).toEqual(['eu-west-1:registry', 'us-west-2:replication']);
    expect(blockingScopes(reach, false, new Set()).map((s) => s.region)).toEqual(['us-west-2']);
  });
});
