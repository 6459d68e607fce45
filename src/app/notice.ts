import type { Config } from '../config.js';
import { imageKey, type Scope } from '../domain/facts.js';
import { groupBy } from '../domain/group-by.js';
import { imageUri } from '../domain/image-reference.js';
import { isCurrent, lastUse } from '../domain/notice.js';
import { storedBytes } from '../domain/plan-summary.js';
import { planRetention, type PlannedImage } from '../domain/retention-policy.js';
import type { AnnouncementStore, SweepStore } from './ports.js';
import { candidatesWithReferrers } from './candidate-referrers.js';
import type { MemberUsage } from './sweep/member-usage.js';
import type { ManagedRepositories } from '../domain/managed-repositories.js';
import { requireFreshLedger } from './sweep/fresh-ledger.js';
import { reachWorld } from './reach/reach-world.js';
import type { UsageIndex } from './usage-index.js';

const DAY_MS = 86_400_000;

export interface NoticeImage {
  readonly repositoryName: string;
  readonly imageDigest: string;
  readonly imageTags: readonly string[];
  readonly imageSizeInBytes: number;
  readonly imagePushedAt: string;
  /** The referrer that used it last, if the ledger saw one, and when that use ended. */
  readonly lastUsedBy?: { readonly kind: string; readonly id: string; readonly account: string; readonly region: string };
  readonly lastUseEndedAt?: string;
  /** The command that keeps it. */
  readonly pinCommand: string;
}

export interface Notice {
  readonly scope: Scope;
  readonly now: string;
  readonly daysAhead: number;
  /** The earliest time the sweep deletes what this notice announces. */
  readonly deletableFrom: string;
  readonly repositories: ReadonlyArray<{ readonly repositoryName: string; readonly bytes: number; readonly images: readonly NoticeImage[] }>;
  readonly totals: { readonly images: number; readonly bytes: number };
  /** Images the plan deletes by then that were announced before (not announced again). */
  readonly alreadyAnnounced: number;
}

export interface Delivery {
  readonly channel: string;
  readonly ok: boolean;
  readonly error?: string;
}

export interface NoticeDeps {
  readonly store: Pick<SweepStore, 'sweepView'>;
  readonly announcements: AnnouncementStore;
  readonly config: Config;
  readonly clock: () => Date;
  /** The ledger's index: the candidates' tags and referrers (in any scope), read by reference. */
  readonly index: UsageIndex;
  /** Sends a notice with something in it; each channel says whether it got through. */
  readonly deliver: (notice: Notice) => Promise<readonly Delivery[]>;
  /** Organisation-wide: the members (discovered ones included) and the organisation's id, as the sweep judges them. */
  readonly members?: Pick<MemberUsage, 'scopes' | 'organizationId'>;
  /** A deployed stack's managedRepositories: only deletions there are announced (the sweep makes no others). */
  readonly managed?: ManagedRepositories;
}

export interface NoticeResult {
  readonly notice: Notice;
  readonly deliveries: readonly Delivery[];
  /** Announcements written: the images are deletable `daysAhead` days from now, not before. */
  readonly recorded: number;
}

/** How a person keeps an image the notice announces: the exact command, with the ledger it names. */
const pinCommand = (scope: Scope, image: PlannedImage['image'], ledgerFlag: string) =>
  `ecr-ledger pin ${imageUri(scope.accountId, scope.region, image.repositoryName, image.imageDigest)} --reason "still used by …" ${ledgerFlag}`;

/**
 * The advance notice: the plan as of `daysAhead` days from now, and the images it deletes that were not announced
 * yet (or were used again since their announcement). They are delivered, and recorded as announced only when a
 * channel got the notice: an announcement nobody received never starts the clock.
 */
export async function announceDeletions(deps: NoticeDeps, scope: Scope, options: { ledgerFlag: string; /** Compute and return the notice; deliver and record nothing. */ dryRun?: boolean }): Promise<NoticeResult> {
  const daysAhead = deps.config.notice?.daysAhead ?? 3;
  const now = deps.clock().toISOString();
  const deletableFrom = new Date(Date.parse(now) + daysAhead * DAY_MS).toISOString();
  const view = await deps.store.sweepView(scope);
  // As the sweep: nothing is announced from a ledger that may miss what runs now.
  requireFreshLedger(view, deps.config, now);
  const { facts, others } = await candidatesWithReferrers(deps.index, view, now);
  // The reach as the ledger holds it now (freshness judged now, not at deletableFrom: the sweep judges it again then).
  const discovered = deps.members ? [...new Set((await deps.members.scopes()).map((s) => s.accountId))] : [];
  const organizationId = await deps.members?.organizationId();
  const world = reachWorld(deps.config, {
    registry: scope, home: 'ledger', held: await deps.index.watermarks(), probes: await deps.index.regionProbes(), discovered, ...(organizationId && { organizationId }), now,
  });
  const plan = planRetention(facts, view.history, { config: deps.config, now: deletableFrom, historySource: 'ledger', others, world });
  const scheduled = plan.images.filter((p) => p.action === 'delete' && (deps.managed?.(scope, p.image.repositoryName) ?? true));
  const existing = await deps.announcements.announcements(scope, scheduled.map((p) => p.image));
  const fresh = scheduled.filter((p) => !isCurrent(existing.get(imageKey(p.image.repositoryName, p.image.imageDigest)), p));
  const notice = noticeOf(scope, now, daysAhead, deletableFrom, fresh, scheduled.length - fresh.length, options.ledgerFlag);
  if (fresh.length === 0 || options.dryRun) return { notice, deliveries: [], recorded: 0 };
  const deliveries = await deps.deliver(notice);
  if (!deliveries.some((d) => d.ok)) return { notice, deliveries, recorded: 0 };
  const announcements = fresh.map((p) => {
    const stale = existing.get(imageKey(p.image.repositoryName, p.image.imageDigest));
    return {
      repositoryName: p.image.repositoryName, imageDigest: p.image.imageDigest, announcedAt: now, deletableFrom,
      ...(p.unreferencedSince && { unreferencedSince: p.unreferencedSince.at }), ...(stale && { replaces: stale.announcedAt }),
    };
  });
  await deps.announcements.recordAnnouncements(scope, announcements);
  return { notice, deliveries, recorded: announcements.length };
}

function noticeOf(scope: Scope, now: string, daysAhead: number, deletableFrom: string, fresh: readonly PlannedImage[], alreadyAnnounced: number, ledgerFlag: string): Notice {
  const repositories = [...groupBy(fresh, (p) => p.image.repositoryName)].sort(([a], [b]) => a.localeCompare(b)).map(([repositoryName, planned]) => ({
    repositoryName,
    bytes: planned.reduce((n, p) => n + storedBytes(p), 0),
    images: planned.sort((a, b) => b.image.imagePushedAt.localeCompare(a.image.imagePushedAt)).map((p): NoticeImage => {
      const last = lastUse(p);
      return {
        repositoryName, imageDigest: p.image.imageDigest, imageTags: p.image.imageTags, imageSizeInBytes: p.image.imageSizeInBytes, imagePushedAt: p.image.imagePushedAt,
        ...(last.by && { lastUsedBy: { kind: last.by.kind, id: last.by.id, account: last.by.account, region: last.by.region } }),
        ...(last.endedAt && { lastUseEndedAt: last.endedAt }),
        pinCommand: pinCommand(scope, p.image, ledgerFlag),
      };
    }),
  }));
  return {
    scope, now, daysAhead, deletableFrom, repositories, alreadyAnnounced,
    totals: { images: fresh.length, bytes: repositories.reduce((n, r) => n + r.bytes, 0) },
  };
}
