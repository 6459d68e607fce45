import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Scope } from '../../domain/facts.js';
import { AwsReadError } from '../../errors.js';

const BATCH = 10;

/** The first work item of each account also probes the account's other regions (those this run does not reconcile). */
function probeOf(scopes: readonly Scope[], scope: Scope): { probeRegions?: { skip: string[] } } {
  const own = scopes.filter((s) => s.accountId === scope.accountId);
  return own[0] === scope ? { probeRegions: { skip: own.map((s) => s.region) } } : {};
}

/** The reconcile's fan-out: one SQS message per scope, which the worker function takes one at a time. */
export async function enqueueScopes(sqs: SQSClient, queueUrl: string, scopes: readonly Scope[], runId: string): Promise<void> {
  for (let i = 0; i < scopes.length; i += BATCH) {
    const batch = scopes.slice(i, i + BATCH);
    const result = await sqs.send(new SendMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: batch.map((scope, j) => ({ Id: String(j), MessageBody: JSON.stringify({ scope, runId, ...probeOf(scopes, scope) }) })),
    }));
    if ((result.Failed ?? []).length > 0) {
      const failed = result.Failed!.map((f) => `${JSON.stringify(batch[Number(f.Id)])}: ${f.Code} ${f.Message ?? ''}`.trim());
      throw new AwsReadError(`sqs:SendMessageBatch left ${failed.length} scope(s) unqueued: ${failed.join('; ')}`);
    }
  }
}

/** A work item as the queue delivers it; a malformed one names what is wrong. */
export interface WorkItem {
  readonly scope: Scope;
  readonly runId?: string;
  /** Set on one item per account: probe its regions but these. */
  readonly probeRegions?: { readonly skip: readonly string[] };
}

export function parseWorkItem(body: string): WorkItem {
  let item: unknown;
  try {
    item = JSON.parse(body);
  } catch {
    throw new Error(`reconcile work item is not JSON: ${body.slice(0, 200)}`);
  }
  const scope = (item as { scope?: Scope }).scope;
  if (!scope || !/^\d{12}$/.test(String(scope.accountId)) || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(String(scope.region))) throw new Error(`reconcile work item has no valid scope: ${body.slice(0, 200)}`);
  const runId = (item as { runId?: unknown }).runId;
  const probe = (item as { probeRegions?: { skip?: unknown } }).probeRegions;
  const skip = Array.isArray(probe?.skip) ? probe.skip.filter((r): r is string => typeof r === 'string') : undefined;
  return { scope: { accountId: scope.accountId, region: scope.region }, ...(typeof runId === 'string' && { runId }), ...(skip && { probeRegions: { skip } }) };
}
