import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { eksToken } from '../../../src/adapters/aws/eks.js';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const AT = new Date('2026-11-30T12:00:00Z');

/** SigV4 of a presigned GET, computed here from the AWS documentation, independently of the signer under test. */
function expectedSignature(url: URL, cluster: string): string {
  const params = [...url.searchParams.entries()].filter(([k]) => k !== 'X-Amz-Signature').sort(([a], [b]) => (a < b ? -1 : 1));
  const canonicalQuery = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  const canonicalRequest = ['GET', '/', canonicalQuery, `host:${url.host}\nx-k8s-aws-id:${cluster}\n`, 'host;x-k8s-aws-id', createHash('sha256').update('').digest('hex')].join('\n');
  const date = url.searchParams.get('X-Amz-Date')!;
  const scope = `${date.slice(0, 8)}/us-east-1/sts/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const key = hmac(hmac(hmac(hmac(`AWS4${CREDENTIALS.secretAccessKey}`, date.slice(0, 8)), 'us-east-1'), 'sts'), 'aws4_request');
  return createHmac('sha256', key).update(toSign).digest('hex');
}

describe('the EKS token (as aws eks get-token makes it)', () => {
  it('is k8s-aws-v1. and the unpadded base64url of a presigned STS GetCallerIdentity URL that signs the cluster name header', async () => {
    const token = await eksToken('prod', 'us-east-1', async () => CREDENTIALS, AT);
    expect(token).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    const url = new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8'));
    expect(`${url.origin}${url.pathname}`).toBe('https://sts.us-east-1.amazonaws.com/');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      Action: 'GetCallerIdentity', Version: '2011-06-15', 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIDEXAMPLE/20261130/us-east-1/sts/aws4_request', 'X-Amz-Date': '20261130T120000Z', 'X-Amz-Expires': '60',
      'X-Amz-SignedHeaders': 'host;x-k8s-aws-id', 'X-Amz-Signature': expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(url.searchParams.get('X-Amz-Signature')).toBe(expectedSignature(url, 'prod'));
    // Bound to the cluster: another cluster's token differs.
    expect(await eksToken('staging', 'us-east-1', async () => CREDENTIALS, AT)).not.toBe(token);
    expect(await eksToken('prod', 'us-east-1', async () => CREDENTIALS, AT)).toBe(token);
  });
});
