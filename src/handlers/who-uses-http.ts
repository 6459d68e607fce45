import middy from '@middy/core';
import type { UsageIndex } from '../app/usage-index.js';
import { whoUsesFromIndex } from '../app/who-uses.js';
import type { Config } from '../config.js';
import { EcrLedgerError, ImageReferenceError, NotFoundError, UsageError } from '../errors.js';
import type { Log } from './scheduled-handlers.js';

/** A Lambda function URL request (payload format 2.0), the fields read here. */
export interface FunctionUrlRequest {
  readonly rawPath?: string;
  readonly queryStringParameters?: Record<string, string | undefined>;
  /** With AWS_IAM auth, `authorizer.iam` names the caller (function URL payload format 2.0). */
  readonly requestContext?: { readonly http?: { readonly method?: string }; readonly authorizer?: { readonly iam?: { readonly userArn?: string; readonly accountId?: string } } };
}

export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface WhoUsesHttpDeps {
  /** A fresh reader of the ledger's index per request. */
  readonly index: () => UsageIndex;
  readonly config: Config;
  /** The account and region of the deployment: a reference without a registry means these. */
  readonly home: { readonly accountId: string; readonly region: string };
  readonly clock: () => Date;
  readonly log: Log;
}

const json = (statusCode: number, body: unknown): HttpResponse => ({ statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/**
 * `GET /?image=REF` (IAM-authenticated function URL): who uses an image, by `repo:tag`, `repo@sha256:…` or URI —
 * 200 with the CLI's JSON shape, 400 for a malformed reference, 404 for an image the ledger does not hold.
 */
export function createWhoUsesHttpHandler(deps: WhoUsesHttpDeps) {
  return middy(async (request: FunctionUrlRequest): Promise<HttpResponse> => {
    const method = request.requestContext?.http?.method ?? 'GET';
    if (method !== 'GET') return json(405, { error: `method ${method} not allowed: use GET /?image=REF` });
    const image = request.queryStringParameters?.image;
    if (!image) return json(400, { error: 'give the image: GET /?image=repo:tag, repo@sha256:… or a full image URI' });
    try {
      const index = deps.index();
      const report = await whoUsesFromIndex(index, image, deps.home, deps.config, deps.clock().toISOString());
      deps.log('debug', 'who-uses answered from the index', { image, ...index.counts });
      return json(200, report);
    } catch (error) {
      if (error instanceof ImageReferenceError || error instanceof UsageError) return json(400, { error: error.message });
      if (error instanceof NotFoundError) return json(404, { error: error.message });
      deps.log('error', 'who-uses failed', { image, error: (error as Error).message });
      return json(500, { error: error instanceof EcrLedgerError ? error.message : 'internal error' });
    }
  });
}
