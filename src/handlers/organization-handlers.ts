import type { Clock } from '../domain/clock.js';
import { wallTimeMs } from '../system-clock.js';
import middy from '@middy/core';
import { randomUUID } from 'node:crypto';
import { ReadDeadlineError } from '../adapters/aws/caller.js';
import { reconcileFromAws } from '../app/live.js';
import type { AccountReader, LedgerStore } from '../app/ports.js';
import type { Config } from '../config.js';
import type { ImageFact, Scope } from '../domain/facts.js';
import { AwsReadError } from '../errors.js';
import type { WorkItem } from '../adapters/aws/work-queue.js';
import type { RegionProbe } from '../domain/region-probe.js';
import { recordRegionProbe } from '../app/usage/region-probe.js';
import { publishReconcileCompleted, type InvocationContext, type Log } from './scheduled-handlers.js';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';

const MARGIN_MS = 60_000;
const id = (s: Scope) => `${s.accountId}/${s.region}`;

/** The scheduled reconcile of an organisation: it only fans out, one work item per scope, onto the work queue. */
export function createFanOutHandler(deps: { scopes: () => Promise<Scope[]>; enqueue: (scopes: readonly Scope[], runId: string) => Promise<void>; log: Log; upgradeLayout?: () => Promise<{ from: number; to: number; converted: number }> }) {
  return middy(async () => {
    const upgraded = await deps.upgradeLayout?.();
    if (upgraded && upgraded.from !== upgraded.to) deps.log('info', 'ledger table upgraded in place', { ...upgraded });
    const scopes = await deps.scopes();
    const runId = randomUUID();
    await deps.enqueue(scopes, runId);
    deps.log('info', 'reconcile fanned out', { runId, scopes: scopes.map(id) });
    return { runId, scopes: scopes.length };
  });
}

interface SqsEvent { Records: Array<{ messageId: string; body: string }> }

export interface ScopeWorkerDeps {
  readonly ledger: LedgerStore;
  readonly config: Config;
  readonly clock: Clock;
  readonly log: Log;
  readonly parse: (body: string) => WorkItem;
  /** Probes an account's regions but `skip` (the item that carries `probeRegions`). */
  readonly probeRegions?: (accountId: string, skip: readonly string[]) => Promise<RegionProbe>;
  /** A reader of the scope whose calls stop at `stopAt`; a MemberAccessError when its role cannot be assumed. */
  readonly readerFor: (scope: Scope, stopAt: number) => Promise<AccountReader>;
  /** After the scope: its EKS clusters (config `eks.clusters`), each read replacing its usage report. */
  readonly clusters?: (scope: Scope, at: string) => Promise<{ reported: readonly string[]; warnings: readonly string[] }>;
  /** After the scope: its archived images in use restored (the home registry) or told (restore on use). */
  readonly restoreInUse?: (scope: Scope, archived: readonly ImageFact[]) => Promise<unknown>;
  /** `ReconcilesCompleted` per scope reconciled, `UnreadableScope` per scope that could not be read (each alarmed). */
  readonly metrics?: Metrics;
}

/**
 * One scope of the organisation's reconcile (an SQS message). A scope that cannot be read is logged by name and
 * acknowledged: its watermark stays where it was, the other scopes go on. A scope that ran out of time fails the
 * message, which SQS delivers again after the visibility timeout: the retry resumes from the checkpoint.
 */
export function createScopeWorker(deps: ScopeWorkerDeps) {
  return middy(async (event: SqsEvent, context: InvocationContext) => {
    const failures: Array<{ itemIdentifier: string }> = [];
    for (const record of event.Records) {
      let item: WorkItem;
      try {
        item = deps.parse(record.body);
      } catch (error) {
        deps.log('error', 'reconcile work item refused', { messageId: record.messageId, reason: (error as Error).message });
        continue;
      }
      const stopAt = wallTimeMs() + Math.max(0, context.getRemainingTimeInMillis() - MARGIN_MS);
      try {
        const reader = await deps.readerFor(item.scope, stopAt);
        const actual = await reader.scope();
        if (id(actual) !== id(item.scope)) throw new AwsReadError(`the credentials for ${id(item.scope)} read ${id(actual)}: check the role's account`);
        const result = await reconcileFromAws({ ledger: deps.ledger, reader, clock: deps.clock }, deps.config);
        for (const warning of result.warnings) deps.log('warn', warning, { scope: id(item.scope) });
        if (deps.clusters) for (const warning of (await deps.clusters(item.scope, deps.clock().toISOString())).warnings) deps.log('warn', warning, { scope: id(item.scope) });
        if (item.probeRegions && deps.probeRegions) {
          const skip = item.probeRegions.skip;
          const probed = await recordRegionProbe({ ledger: deps.ledger, probe: (account) => deps.probeRegions!(account, skip), clock: deps.clock }, deps.config, item.scope.accountId);
          for (const warning of probed.warnings) deps.log('warn', warning, { account: item.scope.accountId });
        }
        if (result.archivedImages.length > 0) await deps.restoreInUse?.(item.scope, result.archivedImages);
        deps.log('info', 'scope reconciled', { scope: id(item.scope), runId: item.runId, images: result.images, written: result.written, removed: result.removed });
        publishReconcileCompleted(deps.metrics);
      } catch (error) {
        if (error instanceof ReadDeadlineError) {
          deps.log('warn', 'scope ran out of time; the next delivery resumes from its checkpoint', { scope: id(item.scope), reason: error.message });
          failures.push({ itemIdentifier: record.messageId });
        } else if (error instanceof AwsReadError) {
          deps.log('error', 'scope not reconciled', { scope: id(item.scope), account: item.scope.accountId, runId: item.runId, reason: error.message });
          // Not a log line only: a scope nobody can read keeps what it may use from being deleted, and someone must know.
          deps.metrics?.addMetric('UnreadableScope', MetricUnit.Count, 1);
          deps.metrics?.publishStoredMetrics();
        } else throw error;
      }
    }
    return { batchItemFailures: failures };
  });
}
