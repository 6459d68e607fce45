import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@aws-sdk/types';

/** SHA-256 (HMAC-SHA-256 with a secret) from node:crypto, in the shape the SigV4 signer takes. */
class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', typeof secret === 'string' ? secret : Buffer.from(secret as ArrayBuffer));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

export type CredentialSource = () => Promise<AwsCredentialIdentity>;

/** A SigV4 signer for a service and region, with the standard credential chain unless credentials are given. */
export function signer(service: string, region: string, credentials: CredentialSource = defaultProvider()): SignatureV4 {
  return new SignatureV4({ service, region, credentials, sha256: NodeSha256 as never, uriEscapePath: true, applyChecksum: true });
}

/** The region of a Lambda function URL (`https://ID.lambda-url.REGION.on.aws/`). */
export function functionUrlRegion(url: URL): string {
  const match = /\.lambda-url\.([a-z0-9-]+)\.on\.aws$/.exec(url.hostname);
  if (!match) throw new Error(`${url.href} is not a Lambda function URL (https://ID.lambda-url.REGION.on.aws/)`);
  return match[1]!;
}

/** POSTs JSON to an IAM-authenticated Lambda function URL, signed with SigV4 (service `lambda`). */
export async function postSigned(url: string, body: object, options: { credentials?: CredentialSource; region?: string; fetch?: typeof fetch } = {}): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  // A function URL names its region; anything else (a proxy, a test endpoint) needs --region.
  const region = options.region ?? functionUrlRegion(target);
  const payload = JSON.stringify(body);
  const signed = await signer('lambda', region, options.credentials).sign({
    method: 'POST', protocol: target.protocol, hostname: target.hostname, ...(target.port && { port: Number(target.port) }), path: target.pathname || '/',
    query: Object.fromEntries(target.searchParams), headers: { host: target.host, 'content-type': 'application/json' }, body: payload,
  });
  const response = await (options.fetch ?? fetch)(target, { method: 'POST', headers: signed.headers as Record<string, string>, body: payload });
  return { status: response.status, text: await response.text() };
}
