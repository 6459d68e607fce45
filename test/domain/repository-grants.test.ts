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
    ['Lambda pinned to this account (aws:SourceAccount)', policy({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'ecr:BatchGetImage', Condition: { StringEquals: { 'aws:SourceAccount': ME } } }), false],
    ['Lambda pinned to this account (aws:SourceArn)', policy({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'ecr:BatchGetImage', Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:lambda:us-east-1:${ME}:function:*` } } }), false],
    ['Lambda of another account', policy({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Condition: { StringLike: { 'aws:sourceArn': 'arn:aws:lambda:us-east-1:210987654321:function:*' } } }), true],
    // What ecr-ledger cannot bound to named accounts reaches everything (issue 30, point 2).
    ['Lambda with no condition: any account\'s function', policy({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'ecr:BatchGetImage' }), true],
    ['Lambda with a wildcard account in aws:sourceArn', policy({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Condition: { StringLike: { 'aws:sourceArn': 'arn:aws:lambda:us-east-1:*:function:*' } } }), true],
    ['Lambda with a condition key ecr-ledger does not read', policy({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceVpc': 'vpc-1' } } }), true],
    ['Lambda with aws:SourceAccount only if it exists', policy({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Condition: { StringEqualsIfExists: { 'aws:SourceAccount': ME } } }), true],
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
    ['a service principal with no condition, naming the statement', policy({ Sid: 'LambdaECRImageRetrievalPolicy', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'ecr:BatchGetImage' }), /service principal lambda\.amazonaws\.com to pull for any account.*\(statement "LambdaECRImageRetrievalPolicy"\)/],
    ['a service principal under aws:SourceOrgID the config does not name', policy({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'ecr:BatchGetImage', Condition: { StringEquals: { 'aws:SourceOrgID': 'o-abc1234567' } } }), /organisation o-abc1234567.*organization.id is not set/],
    ['a wildcard account in a principal ARN, by position', JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: '210987654321' }, Action: 'ecr:BatchGetImage' }, { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::*:root' }, Action: 'ecr:BatchGetImage' }] }), /arn:aws:iam::\*:root.*\(statement #2\)/],
  ])('still keeps the repository whole for %s', (_, text, why) => {
    const reach = judge(text);
    expect(reachKeeps(reach, true, new Set()).join('; ')).toMatch(why);
    expect(coveredAccounts(reach)).toEqual([]);
  });
});
