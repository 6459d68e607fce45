import { describe, expect, it } from 'vitest';
import { coveredAccounts, reachKeeps, reachOf, type ReachWorld } from '../../src/domain/reach.js';
import { repositoryGrants, sharingReason } from '../../src/domain/repository-grants.js';

const ME = '123456789012';
const policy = (statement: object) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });

describe('repositoryGrants: whether a repository policy lets other accounts pull', () => {
  it.each([
    ['no policy', undefined, false],
    ['this account only', policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ME}:root` }, Action: 'ecr:*' }), false],
    ['another account root', policy({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::210987654321:root' }, Action: 'ecr:BatchGetImage' }), true],
    ['another account id', policy({ Effect: 'Allow', Principal: { AWS: ['210987654321'] }, Action: 'ecr:BatchGetImage' }), true],
    ['everyone', policy({ Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage' }), true],
    ['a deny for others', policy({ Effect: 'Deny', Principal: '*', Action: 'ecr:*' }), false],
    ['Lambda of this account', policy({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'ecr:BatchGetImage' }), false],
    ['Lambda of another account', policy({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Condition: { StringLike: { 'aws:sourceArn': 'arn:aws:lambda:us-east-1:210987654321:function:*' } } }), true],
    ['an unreadable policy', '{not json', true],
  ])('%s → shared %s', (_, text, shared) => {
    expect(sharingReason(repositoryGrants(text, ME)) !== undefined).toBe(shared);
  });
});

describe('a repository policy judged with the accounts the ledger holds', () => {
  const HELD = new Set(['210987654321', '333333333333']);
  const world: ReachWorld = {
    registry: { accountId: ME, region: 'us-east-1' }, workloadRegions: [], members: new Set(),
    regionsOf: (a) => (HELD.has(a) ? ['us-east-1'] : []),
    standing: (s) => (s.accountId === ME || HELD.has(s.accountId) ? { readable: true, how: 'ledger' } : { readable: false, problem: 'unheld', why: 'the ledger does not hold it' }),
  };
  const judge = (text: string) => reachOf({ repositoryName: 'r', policyText: text }, world);

  it('a grant only to held accounts is not sharing with someone unseen: their references count', () => {
    const reach = judge(policy({ Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::210987654321:root', '333333333333'] }, Action: 'ecr:BatchGetImage' }));
    expect(reachKeeps(reach, true, new Set())).toEqual([]);
    expect(coveredAccounts(reach)).toEqual(['210987654321', '333333333333']);
  });

  it.each([
    ['an account the ledger does not hold', policy({ Effect: 'Allow', Principal: { AWS: ['210987654321', '444444444444'] }, Action: 'ecr:BatchGetImage' }), /allows 444444444444 to pull\): the ledger does not hold it/],
    ['everyone', policy({ Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage' }), /any principal/],
    ['an organisation the config does not name', policy({ Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc1234567' } } }), /organisation o-abc1234567.*organization.id is not set/],
    ['a role by name', policy({ Effect: 'Allow', Principal: { AWS: 'AROAEXAMPLEID' }, Action: 'ecr:BatchGetImage' }), /AROAEXAMPLEID/],
    ['an unreadable policy', '{', /cannot be read/],
  ])('still keeps the repository whole for %s', (_, text, why) => {
    const reach = judge(text);
    expect(reachKeeps(reach, true, new Set()).join('; ')).toMatch(why);
    expect(coveredAccounts(reach)).toEqual([]);
  });
});
