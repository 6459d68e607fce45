import type { Config } from '../config.js';
import type { AccountFacts, ImageHistory } from '../domain/facts.js';
import { summarisePlan, type PlanTotals, type RepositorySummary } from '../domain/plan-summary.js';
import { planRetention, type RetentionPlan } from '../domain/retention-policy.js';
import { imageView, type ImageView } from './views.js';

/** Facts to evaluate, with the history that goes with them. */
export interface FactView {
  readonly facts: AccountFacts;
  readonly history: ReadonlyMap<string, ImageHistory>;
  readonly historySource: 'snapshot' | 'ledger';
}

export interface PlanReport {
  readonly now: string;
  readonly images: readonly ImageView[];
  readonly repositories: readonly RepositorySummary[];
  readonly totals: PlanTotals;
}

/** Evaluates the retention policy over a fact view. */
export function evaluate(view: FactView, config: Config, now: string): RetentionPlan {
  return planRetention(view.facts, view.history, { config, now, historySource: view.historySource });
}

/** The `plan` report: every image with its decision and reasons, per-repository counts, bytes and cost. */
export function planReport(view: FactView, config: Config, now: string): PlanReport {
  const plan = evaluate(view, config, now);
  const { repositories, totals } = summarisePlan(plan.images);
  const images = [...plan.images]
    .sort((a, b) => a.image.repositoryName.localeCompare(b.image.repositoryName) || b.image.imagePushedAt.localeCompare(a.image.imagePushedAt) || a.image.imageDigest.localeCompare(b.image.imageDigest))
    .map(imageView);
  return { now, images, repositories, totals };
}
