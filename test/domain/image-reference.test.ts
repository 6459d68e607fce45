import { describe, expect, it } from 'vitest';
import { formatImageReference, imageUri, parseImageReference } from '../../src/domain/image-reference.js';
import { ImageReferenceError } from '../../src/errors.js';

const D = `sha256:${'a'.repeat(64)}`;
const ACCT = '123456789012';

describe('parseImageReference', () => {
  it.each([
    [`${ACCT}.dkr.ecr.us-east-1.amazonaws.com/app:1.2`, { kind: 'ecr', registryId: ACCT, region: 'us-east-1', repositoryName: 'app', tag: '1.2' }],
    [`${ACCT}.dkr.ecr.cn-north-1.amazonaws.com.cn/app:v1`, { kind: 'ecr', registryId: ACCT, region: 'cn-north-1', repositoryName: 'app', tag: 'v1' }],
    [`${ACCT}.dkr.ecr-fips.us-gov-west-1.amazonaws.com/app`, { kind: 'ecr', registryId: ACCT, region: 'us-gov-west-1', repositoryName: 'app', tag: 'latest' }],
    [`${ACCT}.dkr-ecr.eu-west-1.on.aws/team/app/api:2`, { kind: 'ecr', registryId: ACCT, region: 'eu-west-1', repositoryName: 'team/app/api', tag: '2' }],
    [`${ACCT}.dkr-ecr-fips.us-east-2.on.aws/app@${D}`, { kind: 'ecr', registryId: ACCT, region: 'us-east-2', repositoryName: 'app', digest: D }],
    [`${ACCT}.dkr.ecr.us-east-1.amazonaws.com/app:1.2@${D}`, { kind: 'ecr', registryId: ACCT, region: 'us-east-1', repositoryName: 'app', tag: '1.2', digest: D }],
    [`999999999999.dkr.ecr.eu-central-1.amazonaws.com/base:3`, { kind: 'ecr', registryId: '999999999999', region: 'eu-central-1', repositoryName: 'base', tag: '3' }],
  ])('reads the ECR URI %s', (input, expected) => {
    expect(parseImageReference(input, 'container')).toEqual(expected);
  });

  it.each([
    ['nginx', { kind: 'external', registry: 'docker.io', repositoryName: 'library/nginx', tag: 'latest' }],
    ['bitnami/redis:7', { kind: 'external', registry: 'docker.io', repositoryName: 'bitnami/redis', tag: '7' }],
    ['public.ecr.aws/aws-observability/aws-for-fluent-bit:stable', { kind: 'external', registry: 'public.ecr.aws', repositoryName: 'aws-observability/aws-for-fluent-bit', tag: 'stable' }],
    ['ghcr.io/org/tool@' + D, { kind: 'external', registry: 'ghcr.io', repositoryName: 'org/tool', digest: D }],
    ['localhost:5000/dev:1', { kind: 'external', registry: 'localhost:5000', repositoryName: 'dev', tag: '1' }],
  ])('recognises the non-ECR image %s as external', (input, expected) => {
    expect(parseImageReference(input, 'container')).toEqual(expected);
  });

  it.each([
    ['app:1.2', { kind: 'ecr', repositoryName: 'app', tag: '1.2' }],
    ['app', { kind: 'ecr', repositoryName: 'app', tag: 'latest' }],
    [`app@${D}`, { kind: 'ecr', repositoryName: 'app', digest: D }],
    [`team/app/api:v3@${D}`, { kind: 'ecr', repositoryName: 'team/app/api', tag: 'v3', digest: D }],
  ])('reads the query %s as a repository of the ledger account', (input, expected) => {
    expect(parseImageReference(input, 'query')).toEqual(expected);
  });

  it.each([
    ['', 'empty'],
    ['app:', 'empty tag'],
    ['App:1', 'not a valid repository name'],
    ['app name:1', 'white space'],
    ['app@sha256:abc', 'not a digest'],
    [`app@${D}@${D}`, 'more than one "@"'],
    ['app:-bad', 'not a valid tag'],
    ['app:' + 'x'.repeat(129), 'not a valid tag'],
    ['@' + D, 'no repository name'],
    ['team//app', 'not a valid repository name'],
    [`${ACCT}.dkr.ecr.us-east-1.amazonaws.com/`, 'no repository name'],
  ])('rejects %j with a precise message', (input, why) => {
    expect(() => parseImageReference(input, 'query')).toThrow(ImageReferenceError);
    expect(() => parseImageReference(input, 'query')).toThrow(why);
  });
});

describe('imageUri', () => {
  it('spells China regions with the .cn suffix', () => {
    expect(imageUri(ACCT, 'cn-north-1', 'app', D)).toBe(`${ACCT}.dkr.ecr.cn-north-1.amazonaws.com.cn/app@${D}`);
    expect(imageUri(ACCT, 'us-east-1', 'a/b', D)).toBe(`${ACCT}.dkr.ecr.us-east-1.amazonaws.com/a/b@${D}`);
  });

  it('round-trips through the parser', () => {
    const parsed = parseImageReference(imageUri(ACCT, 'eu-west-1', 'team/api', D), 'container');
    expect(formatImageReference(parsed)).toBe(`${ACCT}.dkr.ecr.eu-west-1.amazonaws.com/team/api@${D}`);
  });
});
