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
