import { keptWholeByReach } from './reach/kept-whole.js';
import type { Config } from '../config.js';
import type { AccountFacts, ImageHistory } from '../domain/facts.js';
import { archiveCostNote, summarisePlan, type PlanTotals, type RepositorySummary } from '../domain/plan-summary.js';
import { planRetention, type RetentionPlan, type TimeHold } from '../domain/retention-policy.js';
import { neverReconciled, unheldRegistryWarnings, type OtherScopes } from './ledger-view.js';
import { reachWorld } from './reach/reach-world.js';
import type { Watermark } from './ports.js';
import { imageView, type ImageView } from './views.js';
import { archivedInUseOf, archivedInUseWarning } from './undo/restore-on-use.js';

/** Facts to evaluate, with the history that goes with them. */
export interface FactView {
  readonly facts: AccountFacts;
  readonly history: ReadonlyMap<string, ImageHistory>;
  readonly historySource: 'snapshot' | 'ledger';
  readonly watermark?: Watermark;
  /** From a ledger: its other scopes, whose referrers of these images count. */
  readonly others?: OtherScopes;
}

export interface PlanReport {
  readonly now: string;
  readonly images: readonly ImageView[];
  readonly repositories: readonly RepositorySummary[];
  readonly totals: PlanTotals;
  /** Images kept only until a known time (grace, age, a recent pull): when each becomes eligible, and why it waits. */
  readonly waiting: ReadonlyArray<{ readonly repositoryName: string; readonly imageDigest: string; readonly eligibleAt: string; readonly for: readonly TimeHold[]; readonly reason: string }>;
  readonly warnings: readonly string[];
  /** Repositories kept whole because a scope a deletion reaches cannot be judged: how many, and those scopes, each once. */
  readonly keptWhole: { readonly repositories: number; readonly scopes: ReadonlyArray<{ readonly account: string; readonly region: string; readonly why: string }> };
  /** Said once when the plan archives below the archive tier: it saves nothing, what it buys and costs (config `pricing`). */
  readonly archiveNote?: string;
}

/** Evaluates the retention policy over a fact view, counting the referrers of every scope the view holds. */
export function evaluate(view: FactView, config: Config, now: string): RetentionPlan {
  const others = view.others ?? { scopes: [] };
  return planRetention(view.facts, view.history, {
    config, now, historySource: view.historySource, others: others.scopes.map((s) => s.facts),
    world: reachWorld(config, {
      registry: view.facts.scope, home: view.historySource, now, ...(others.probes && { probes: others.probes }),
      held: [{ scope: view.facts.scope, ...(view.watermark && { watermark: view.watermark }) }, ...others.scopes.map((s) => ({ scope: s.facts.scope, ...(s.watermark && { watermark: s.watermark }) }))],
    }),
  });
}

/** What the reader of a ledger view should know: a scope never reconciled, registries named but not held. */
export function viewWarnings(view: FactView, plan?: RetentionPlan): string[] {
  if (!view.others) return [];
  return [
    ...(view.watermark ? [] : [neverReconciled(view.facts.scope)]),
    ...(plan ? unheldRegistryWarnings(plan.usage.unresolvedRegistries, [view.facts.scope, ...view.others.scopes.map((s) => s.facts.scope)]) : []),
  ];
}

/** The `plan` report: every image with its decision and reasons, per-repository counts, bytes and cost. */
export function planReport(view: FactView, config: Config, now: string): PlanReport {
  const plan = evaluate(view, config, now);
  const { repositories, totals } = summarisePlan(plan.images, config.pricing);
  const archiveNote = archiveCostNote(totals, config.pricing);
  const images = [...plan.images]
    .sort((a, b) => a.image.repositoryName.localeCompare(b.image.repositoryName) || b.image.imagePushedAt.localeCompare(a.image.imagePushedAt) || a.image.imageDigest.localeCompare(b.image.imageDigest))
    .map(imageView);
  const waiting = plan.images.flatMap((p) => (p.waiting ? [{ repositoryName: p.image.repositoryName, imageDigest: p.image.imageDigest, eligibleAt: p.waiting.eligibleAt, for: p.waiting.for, reason: p.waiting.reasons.join('; ') }] : []))
    .sort((a, b) => a.eligibleAt.localeCompare(b.eligibleAt) || a.repositoryName.localeCompare(b.repositoryName) || a.imageDigest.localeCompare(b.imageDigest));
  // Whoever archived it (a lifecycle rule often did): an archived image in use is an outage waiting.
  const archived = archivedInUseOf(plan, view.facts.scope).map(archivedInUseWarning);
  // Why nothing (or less) would go: one summary of the repositories kept whole for scopes that cannot be judged.
  const { keptWhole, unreadableScopes } = keptWholeByReach(plan.reach);
  const scopes = unreadableScopes.map((s) => ({ account: s.account, region: s.region, why: s.why }));
  const summary = keptWhole.length === 0 ? [] : [`${keptWhole.length} repositor${keptWhole.length === 1 ? 'y' : 'ies'} kept whole: ${scopes.length} account/region(s) a deletion reaches cannot be judged now `
    + `(${scopes.slice(0, 3).map((s) => `${s.account}/${s.region}: ${s.why}`).join('; ')}${scopes.length > 3 ? `; and ${scopes.length - 3} more` : ''}) — `
    + 'load them (snapshot --organization and reconcile --snapshot DIR, or reconcile live), or narrow what the config says reaches them (organization.accounts, scope.ignoreRegions)'];
  return { now, images, repositories, totals, waiting, warnings: [...viewWarnings(view, plan), ...summary, ...archived], keptWhole: { repositories: keptWhole.length, scopes }, ...(archiveNote && { archiveNote }) };
}
