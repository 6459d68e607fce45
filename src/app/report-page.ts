import type { Config } from '../config.js';
import type { Scope } from '../domain/facts.js';
import { reportData, type ReportData } from '../report/report-data.js';
import { renderReportHtml } from '../report/report-html.js';
import { loadOtherScopes } from './ledger-view.js';
import { planReport } from './plan.js';
import { lifecycleCheck, type LifecycleCheckReport } from './lifecycle-check.js';
import type { LedgerStore, SweepStore } from './ports.js';

/** The HTML report of a ledger scope as of `now` (the page and its data), as `ecr-ledger report` writes it. */
export async function ledgerReportPage(deps: { ledger: LedgerStore; store: SweepStore; config: Config }, scope: Scope, now: string, source: string): Promise<{ html: string; data: ReportData }> {
  const contents = await deps.ledger.load(scope);
  const others = await loadOtherScopes(deps.ledger, scope);
  const plan = planReport({ facts: contents.facts, history: contents.history, historySource: 'ledger', ...(contents.watermark && { watermark: contents.watermark }), others }, deps.config, now);
  const data = reportData({ plan, audit: await deps.store.audit(scope, { now }), scope, source });
  return { html: renderReportHtml(data), data };
}

/** `lifecycle-check` over a ledger scope (the deployment runs it after every sweep, for the logs, a metric and an alarm). */
export async function ledgerLifecycleCheck(deps: { ledger: LedgerStore; config: Config }, scope: Scope, now: string): Promise<LifecycleCheckReport> {
  const contents = await deps.ledger.load(scope);
  const others = await loadOtherScopes(deps.ledger, scope);
  return lifecycleCheck({ facts: contents.facts, history: contents.history, historySource: 'ledger', ...(contents.watermark && { watermark: contents.watermark }), others }, deps.config, now);
}

/** Where a run's report goes in the report bucket: one folder per run, newest last when listed. */
export const reportKey = (scope: Scope, now: string, runId: string) => `reports/${scope.accountId}/${scope.region}/${now.replace(/[:.]/g, '-')}-${runId}/index.html`;
