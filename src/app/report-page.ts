import type { Config } from '../config.js';
import type { Scope } from '../domain/facts.js';
import { reportData, type ReportData } from '../report/report-data.js';
import { renderReportHtml } from '../report/report-html.js';
import { planReport, type FactView } from './plan.js';
import type { SweepStore } from './ports.js';

/** The HTML report of a ledger scope's view as of `now` (the page and its data), as `ecr-ledger report` writes it. */
export async function ledgerReportPage(deps: { store: SweepStore; config: Config }, view: FactView, now: string, source: string): Promise<{ html: string; data: ReportData }> {
  const plan = planReport(view, deps.config, now);
  const scope = view.facts.scope;
  const data = reportData({ plan, audit: await deps.store.audit(scope, { now }), scope, source, pricing: deps.config.pricing });
  return { html: renderReportHtml(data), data };
}

/** Where a run's report goes in the report bucket: one folder per run, newest last when listed. */
export const reportKey = (scope: Scope, now: string, runId: string) => `reports/${scope.accountId}/${scope.region}/${now.replace(/[:.]/g, '-')}-${runId}/index.html`;
