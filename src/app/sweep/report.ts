import type { UnreadableScope } from '../../domain/reach.js';
import type { Layer } from '../../domain/manifest.js';
import { storedBytes, usdPerMonth, type Pricing } from '../../domain/plan-summary.js';
import type { UnreadableAccount } from './member-usage.js';
import type { SourceStatus } from '../../domain/usage-sources.js';
import type { PinFact } from '../../domain/facts.js';
import type { PlannedImage } from '../../domain/retention-policy.js';
import type { Scope } from '../../domain/facts.js';
import type { AuditRecord } from '../ports.js';
import type { ImageOutcome } from './act.js';

export interface SweepImage {
  readonly repositoryName: string;
  readonly imageDigest: string;
  readonly imageTags: readonly string[];
  readonly imageSizeInBytes: number;
  readonly reasons: readonly string[];
  /** Deleted or archived (absent: the run's action). */
  readonly action?: 'delete' | 'archive';
  /** What ECR answered when the run acted (absent in a dry run: it would `action` it). */
  readonly outcome?: ImageOutcome;
  /** Its config and layers, when the ledger knows them: what the run frees is counted from them after the run. */
  readonly layers?: readonly Layer[];
}

export interface SweepReport {
  readonly runId: string;
  readonly scope: Scope;
  readonly now: string;
  readonly dryRun: boolean;
  readonly action: 'delete' | 'archive';
  /** Deleted (or archived), each with its own action and outcome; in a dry run, what would be. */
  readonly images: readonly SweepImage[];
  /** Images ECR no longer held when the run acted (ImageNotFound): neither deleted nor archived by it. */
  readonly alreadyGone: readonly SweepImage[];
  readonly failures: ReadonlyArray<SweepImage & { readonly code: string; readonly reason: string }>;
  /** Deletable images left for the next run by `maxDeletionsPerRun`. */
  readonly skippedByCap: number;
  /** With `notice` configured: images the plan deletes that were not announced at least `daysAhead` days ago. */
  readonly awaitingNotice: ReadonlyArray<SweepImage & { readonly waitingFor: string }>;
  /** Repositories with deletions the plan allows, outside the deployed stack's managedRepositories: nothing is deleted there. */
  readonly notManaged: readonly string[];
  /** Organisation-wide: member accounts that could not be read now, and the repositories nothing was deleted from because of them. */
  readonly unreadableAccounts: readonly UnreadableAccount[];
  /** Scopes a deletion would reach that cannot be judged now (not read live, not held fresh): each once. */
  readonly unreadableScopes: readonly UnreadableScope[];
  /** The repositories kept whole because of them, with the scopes of each. */
  readonly keptWhole: ReadonlyArray<{ readonly repositoryName: string; readonly scopes: readonly UnreadableScope[] }>;
  /** EKS clusters that could not be read now: nothing was deleted from this registry because of them. */
  readonly unreadableClusters: ReadonlyArray<{ readonly cluster: string; readonly reason: string }>;
  /** Usage sources not heard from within their staleAfterHours (they still protect what they last reported). */
  readonly staleSources: readonly SourceStatus[];
  /** Pins whose `expiresAt` passed since the last (non-dry) run: they no longer protect. */
  readonly expiredPins: readonly PinFact[];
  readonly repositories: ReadonlyArray<{ readonly repositoryName: string; readonly images: number; readonly bytes: number; readonly failures: number; readonly skippedByCap: number }>;
  /** `images` = `deleted` + `archived` (in a dry run: would be). */
  readonly totals: { readonly images: number; readonly deleted: number; readonly archived: number; readonly alreadyGone: number; readonly bytes: number; readonly failures: number; readonly skippedByCap: number; readonly usdPerMonthSaved: number };
  readonly warnings: readonly string[];
  readonly calls: Readonly<Record<string, number>>;
  /** Intents a run that died left pending, settled by this run from what ECR holds now. */
  readonly settledFromEarlierRuns: readonly AuditRecord[];
}

export const sweepImage = (p: PlannedImage, outcome?: ImageOutcome): SweepImage => ({
  repositoryName: p.image.repositoryName, imageDigest: p.image.imageDigest, imageTags: p.image.imageTags, imageSizeInBytes: p.image.imageSizeInBytes, reasons: p.reasons,
  ...(p.disposal && { action: p.disposal }), ...(outcome && { outcome }), ...(p.image.layers && { layers: p.image.layers }),
});

/** How many went each way: an image counts by its own action (a run that archives may delete archived images). */
export function byAction(images: readonly Pick<SweepImage, 'action'>[], fallback: 'delete' | 'archive') {
  const archived = images.filter((i) => (i.action ?? fallback) === 'archive').length;
  return { deleted: images.length - archived, archived };
}

/** Per-repository counts; bytes of image indexes are not counted (their size repeats their children's). */
export function summarise(done: readonly PlannedImage[], failures: readonly PlannedImage[], later: readonly PlannedImage[], alreadyGone: readonly PlannedImage[], fallback: 'delete' | 'archive', pricing?: Pricing) {
  const repos = new Map<string, { repositoryName: string; images: number; bytes: number; failures: number; skippedByCap: number }>();
  const row = (name: string) => {
    if (!repos.has(name)) repos.set(name, { repositoryName: name, images: 0, bytes: 0, failures: 0, skippedByCap: 0 });
    return repos.get(name)!;
  };
  for (const p of done) {
    const r = row(p.image.repositoryName);
    r.images += 1;
    r.bytes += storedBytes(p);
  }
  for (const p of failures) row(p.image.repositoryName).failures += 1;
  for (const p of later) row(p.image.repositoryName).skippedByCap += 1;
  const repositories = [...repos.values()].sort((a, b) => a.repositoryName.localeCompare(b.repositoryName));
  const bytes = repositories.reduce((a, r) => a + r.bytes, 0);
  // Archiving saves nothing below ECR's archive tier (domain/plan-summary.ts): the saving counts what was deleted.
  const deletedBytes = done.filter((p) => (p.disposal ?? fallback) !== 'archive').reduce((a, p) => a + storedBytes(p), 0);
  return {
    repositories,
    totals: {
      images: done.length, ...byAction(done.map((p) => ({ ...(p.disposal && { action: p.disposal }) })), fallback), alreadyGone: alreadyGone.length, bytes, failures: failures.length, skippedByCap: later.length,
      usdPerMonthSaved: usdPerMonth(deletedBytes, pricing),
    },
  };
}
