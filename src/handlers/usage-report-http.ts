import middy from '@middy/core';
import { reportUsage, type UsageReportDeps } from '../app/usage-reports.js';
import type { Scope } from '../domain/facts.js';
import { EcrLedgerError, ForbiddenError, RefusedError, UsageError } from '../errors.js';
import type { Log } from './scheduled-handlers.js';
import type { FunctionUrlRequest, HttpResponse } from './who-uses-http.js';

const json = (statusCode: number, body: unknown): HttpResponse => ({ statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const SKEW_MS = 5 * 60_000;

interface ReportBody { source: string; reportedAt: string; images: Array<{ image: string; workloads: string[]; at?: string; spelled?: 'image' }> }

/** The body `report-usage --url` sends: `{ source, reportedAt, images: [ { image, workloads } ] }`; what is wrong is said. */
function parseBody(text: string, now: number): ReportBody {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new UsageError('the body is not JSON');
  }
  const { source, reportedAt, images } = (body ?? {}) as Record<string, unknown>;
  if (typeof source !== 'string') throw new UsageError('source: expected a string');
  if (typeof reportedAt !== 'string' || Number.isNaN(Date.parse(reportedAt))) throw new UsageError('reportedAt: expected an ISO-8601 time');
  if (Date.parse(reportedAt) > now + SKEW_MS) throw new UsageError(`reportedAt ${reportedAt} is in the future`);
  if (!Array.isArray(images)) throw new UsageError('images: expected a list');
  return {
    source, reportedAt: new Date(Date.parse(reportedAt)).toISOString(),
    images: images.map((entry, i) => {
      const { image, workloads, at, spelled } = (entry ?? {}) as { image?: unknown; workloads?: unknown; at?: unknown; spelled?: unknown };
      if (typeof image !== 'string') throw new UsageError(`images[${i}].image: expected a string`);
      if (workloads !== undefined && (!Array.isArray(workloads) || workloads.some((w) => typeof w !== 'string'))) throw new UsageError(`images[${i}].workloads: expected a list of strings`);
      if (spelled !== undefined && spelled !== 'image') throw new UsageError(`images[${i}].spelled: expected "image" or nothing`);
      return { image, workloads: (workloads as string[] | undefined) ?? [], ...(typeof at === 'string' && { at: at.slice(0, 300) }), ...(spelled === 'image' && { spelled }) };
    }),
  };
}

/**
 * `POST /` (IAM-authenticated function URL): a usage report from a source that cannot reach the table (a cluster's
 * CronJob with EKS Pod Identity or IRSA). 200 with the result, 400 for a malformed report, 403 when the source is
 * another principal's (or reserved), 409 when a newer one is held.
 */
export function createUsageReportHandler(deps: UsageReportDeps & { readonly home: Scope; readonly clock: () => Date; readonly log: Log }) {
  return middy(async (request: FunctionUrlRequest & { body?: string; isBase64Encoded?: boolean }): Promise<HttpResponse> => {
    const method = request.requestContext?.http?.method ?? 'POST';
    if (method !== 'POST') return json(405, { error: `method ${method} not allowed: POST a usage report` });
    const text = request.isBase64Encoded ? Buffer.from(request.body ?? '', 'base64').toString('utf8') : request.body ?? '';
    // A source belongs to who sends it: the caller IAM authenticated (the function URL's auth type is AWS_IAM).
    const principal = request.requestContext?.authorizer?.iam?.userArn;
    if (!principal) return json(403, { error: 'the caller is not known (the function URL must use AWS_IAM auth): nothing was written' });
    try {
      const received = deps.clock().toISOString();
      const report = parseBody(text, deps.clock().getTime());
      // reportedAt is the time of receipt: a client cannot back-date the release of what its report no longer names.
      const result = await reportUsage(deps, deps.home, { ...report, reportedAt: received, clientReportedAt: report.reportedAt, principal });
      deps.log('info', 'usage report', { source: result.source, principal, images: result.images, removed: result.removed, ignored: result.ignored.length, clientReportedAt: report.reportedAt });
      return json(200, result);
    } catch (error) {
      if (error instanceof UsageError) return json(400, { error: error.message });
      if (error instanceof ForbiddenError) {
        deps.log('warn', 'usage report refused', { principal, error: error.message });
        return json(403, { error: error.message });
      }
      if (error instanceof RefusedError) return json(409, { error: error.message });
      deps.log('error', 'usage report failed', { error: (error as Error).message });
      return json(500, { error: error instanceof EcrLedgerError ? error.message : 'internal error' });
    }
  });
}
