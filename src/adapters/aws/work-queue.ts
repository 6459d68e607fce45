import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Scope } from '../../domain/facts.js';
import { AwsReadError } from '../../errors.js';

const BATCH = 10;

/** The reconcile's fan-out: one SQS message per scope, which the worker function takes one at a time. */
export async function enqueueScopes(sqs: SQSClient, queueUrl: string, scopes: readonly Scope[], runId: string): Promise<void> {
  for (let i = 0; i < scopes.length; i += BATCH) {
    const batch = scopes.slice(i, i + BATCH);
    const result = await sqs.send(new SendMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: batch.map((scope, j) => ({ Id: String(j), MessageBody: JSON.stringify({ scope, runId }) })),
    }));
    if ((result.Failed ?? []).length > 0) {
      const failed = result.Failed!.map((f) => `${JSON.stringify(batch[Number(f.Id)])}: ${f.Code} ${f.Message ?? ''}`.trim());
      throw new AwsReadError(`sqs:SendMessageBatch left ${failed.length} scope(s) unqueued: ${failed.join('; ')}`);
    }
  }
}

/** A work item as the queue delivers it; a malformed one names what is wrong. */
export function parseWorkItem(body: string): { scope: Scope; runId?: string } {
  let item: unknown;
  try {
    item = JSON.parse(body);
  } catch {
    throw new Error(`reconcile work item is not JSON: ${body.slice(0, 200)}`);
  }
  const scope = (item as { scope?: Scope }).scope;
  if (!scope || !/^\d{12}$/.test(String(scope.accountId)) || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(String(scope.region))) throw new Error(`reconcile work item has no valid scope: ${body.slice(0, 200)}`);
  const runId = (item as { runId?: unknown }).runId;
  return { scope: { accountId: scope.accountId, region: scope.region }, ...(typeof runId === 'string' && { runId }) };
}
