import { describe, expect, it } from 'vitest';
import { sharedWithOtherAccounts } from '../../src/domain/repository-sharing.js';

const ME = '123456789012';
const policy = (statement: object) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });

describe('sharedWithOtherAccounts', () => {
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
    expect(sharedWithOtherAccounts(text, ME).shared).toBe(shared);
  });
});

describe('sharedWithOtherAccounts, with the accounts the ledger holds', () => {
  const HELD = new Set(['210987654321', '333333333333']);
  it('a grant only to held accounts is not sharing with someone unseen: their references count', () => {
    const text = policy({ Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::210987654321:root', '333333333333'] }, Action: 'ecr:BatchGetImage' });
    expect(sharedWithOtherAccounts(text, ME, HELD)).toEqual({ shared: false, coveredBy: ['210987654321', '333333333333'] });
  });

  it.each([
    ['an account the ledger does not hold', policy({ Effect: 'Allow', Principal: { AWS: ['210987654321', '444444444444'] }, Action: 'ecr:BatchGetImage' }), /allows 444444444444 to pull, an account the ledger does not hold/],
    ['everyone', policy({ Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage' }), /any principal/],
    ['an organisation', policy({ Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123' } } }), /any principal/],
    ['a role by name', policy({ Effect: 'Allow', Principal: { AWS: 'AROAEXAMPLEID' }, Action: 'ecr:BatchGetImage' }), /AROAEXAMPLEID/],
    ['an unreadable policy', '{', /cannot be read/],
  ])('still keeps the repository whole for %s', (_, text, why) => {
    const result = sharedWithOtherAccounts(text, ME, HELD);
    expect(result.shared).toBe(true);
    expect(result.why).toMatch(why);
  });
});
