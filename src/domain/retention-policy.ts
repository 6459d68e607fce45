import { compileGlob } from './glob.js';
import { disposalOf, disposalRule, type Disposal } from './disposal.js';
import { isolatedWorld } from './isolated-world.js';
import type { Config, RepositoryRule } from '../config.js';
import type { AccountFacts, ImageFact, ImageHistory } from './facts.js';
import { imageKey } from './facts.js';
import { groupBy } from './group-by.js';
import { blockingScopes, coveredAccounts, reachKeeps, reachOf, type ReachWorld, type RepositoryReach, type UnreadableScope } from './reach.js';
import type { Referrer, Usage } from './usage.js';
import { usageAcrossScopes } from './usage-across-scopes.js';
import { lastUseEnded, releasedByExpiredPins } from './past-use.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Where the "unreferenced since" time came from; `explain` says which applied. */
export type UnreferencedSource = 'push' | 'ledger' | 'snapshot' | 'now';

/** The settings whose time-based protection keeps an image until a known moment. */
export type TimeHold = 'graceDays' | 'olderThanDays' | 'minimumImageAgeHours' | 'keepPulledWithinDays' | 'protectedUntil' | 'deleteArchivedAfterDays';

export interface PlannedImage {
  readonly image: ImageFact;
  readonly action: 'keep' | 'delete';
  /** For an image that goes: deleted, or archived (archive first, delete later). */
  readonly disposal?: Disposal;
  readonly reasons: readonly string[];
  readonly referrers: readonly Referrer[];
  readonly inUse: boolean;
  readonly unreferencedSince?: { readonly at: string; readonly source: UnreferencedSource };
  /** Its last recorded pull, when its rule counts pulls (keepPulledWithinDays): a pull after an announcement makes it stale. */
  readonly countedPullAt?: string;
  /** Kept only by reasons that end at a known time (age, grace, a recent pull): when the last of them ends, and which. */
  readonly waiting?: { readonly eligibleAt: string; readonly for: readonly TimeHold[]; readonly reasons: readonly string[] };
}

export interface PlanOptions {
  readonly config: Config;
  readonly now: string;
  /** A snapshot has no history: an image it shows unprotected counts as unreferenced from `capturedAt`. */
  readonly historySource: 'snapshot' | 'ledger';
  /** Other scopes the ledger holds: their referrers of these images count, judged by their own facts. */
  readonly others?: readonly AccountFacts[];
  /**
   * Where a deletion reaches and how each scope stands now (read live, held fresh, or not): a scope that cannot be
   * judged keeps the repository whole. Absent: only the registry itself is readable (a snapshot on its own).
   */
  readonly world?: ReachWorld;
}

export interface RetentionPlan {
  readonly now: string;
  readonly images: readonly PlannedImage[];
  readonly usage: Usage;
  /** Per repository in scope: the scopes a deletion there reaches, as judged, and those that keep it whole. */
  readonly reach: ReadonlyMap<string, RepositoryReach & { readonly blocking: readonly UnreadableScope[] }>;
}

/** Compiles repository globs; `*` matches across `/` so that the default rule covers nested names. */
export function ruleMatcher(rules: readonly RepositoryRule[]): (repositoryName: string) => RepositoryRule | undefined {
  const compiled = rules.map((rule) => ({ rule, test: compileGlob(rule.pattern) }));
  return (name) => compiled.find((c) => c.test(name))?.rule;
}

const tagMatchers = new Map<string, (tag: string) => boolean>();
function tagMatcher(pattern: string): (tag: string) => boolean {
  let test = tagMatchers.get(pattern);
  if (!test) tagMatchers.set(pattern, (test = compileGlob(pattern)));
  return test;
}

const days = (ms: number) => (ms / DAY_MS).toFixed(1);

function unreferencedSince(image: ImageFact, history: ImageHistory | undefined, facts: AccountFacts, options: PlanOptions) {
  let observed: { at: string; source: UnreferencedSource } = history?.unprotectedSince
    ? { at: history.unprotectedSince, source: 'ledger' }
    : options.historySource === 'snapshot' ? { at: facts.capturedAt, source: 'snapshot' } : { at: options.now, source: 'now' };
  // A use that ended later than that restarts the clock (a release; a stopped task's retention, which may end later still).
  const ended = lastUseEnded(history);
  if (ended && Date.parse(ended) > Date.parse(observed.at)) observed = { at: ended, source: 'ledger' };
  return Date.parse(image.imagePushedAt) >= Date.parse(observed.at) ? { at: image.imagePushedAt, source: 'push' as const } : observed;
}

const SOURCE_WORDS: Record<UnreferencedSource, string> = {
  push: 'its push time',
  ledger: 'when the ledger saw it unprotected, or its last reference went away',
  snapshot: 'the snapshot capture time; a snapshot carries no history',
  now: 'now; the ledger has no record of when it became unprotected',
};

interface Assessment {
  protections: string[];
  holds: string[];
  passes: string[];
  topLevel: boolean;
  since?: { at: string; source: UnreferencedSource };
  countedPullAt?: string;
  /** Reasons to keep that end at a known time (age, grace, a recent pull, a protection recorded ahead): each with its end. */
  timeHolds: Array<{ reason: string; until: number; kind: TimeHold }>;
}

function assess(image: ImageFact, rule: RepositoryRule, ctx: { facts: AccountFacts; usage: Usage; history?: ImageHistory; options: PlanOptions; topLevel: boolean; reach: { keeps: readonly string[]; covered: readonly string[] } }): Assessment {
  const { facts, usage, options } = ctx;
  const now = Date.parse(options.now);
  const key = imageKey(image.repositoryName, image.imageDigest);
  const protections: string[] = [];
  const holds: string[] = [];
  const passes: string[] = [];
  protections.push(...ctx.reach.keeps);
  if (ctx.reach.covered.length > 0) passes.push(`its repository policy lets only accounts the ledger holds pull (${ctx.reach.covered.join(', ')}): their references are counted like this account's`);
  const referrers = usage.referrers.get(key) ?? [];
  const protecting = referrers.filter((r) => r.protecting);
  for (const r of protecting) protections.push(`in use by ${r.kind} ${r.id}: ${r.reason}`);
  if (protecting.length === 0) passes.push(referrers.length ? `nothing protecting uses it (${referrers.length} referrer(s), none protecting)` : 'nothing uses it');
  const kept = image.imageTags.flatMap((tag) => rule.keepTags.filter((p) => tagMatcher(p)(tag)).map((p) => `tag ${tag} matches keepTags "${p}"`));
  protections.push(...kept);
  if (kept.length === 0) passes.push(image.imageTags.length ? `no tag matches keepTags (${rule.keepTags.join(', ')})` : 'untagged');
  const timeHolds: Assessment['timeHolds'] = [];
  const hold = (kind: TimeHold, reason: string, until: number) => { holds.push(reason); timeHolds.push({ kind, reason, until }); };
  if (rule.keepPulledWithinDays > 0 && image.lastRecordedPullTime !== undefined && now - Date.parse(image.lastRecordedPullTime) < rule.keepPulledWithinDays * DAY_MS) {
    const reason = `pulled ${days(now - Date.parse(image.lastRecordedPullTime))} days ago, within keepPulledWithinDays (${rule.keepPulledWithinDays})`;
    protections.push(reason);
    timeHolds.push({ kind: 'keepPulledWithinDays', reason, until: Date.parse(image.lastRecordedPullTime) + rule.keepPulledWithinDays * DAY_MS });
  } else if (rule.keepPulledWithinDays > 0) {
    passes.push(image.lastRecordedPullTime ? `last pulled ${image.lastRecordedPullTime}, more than ${rule.keepPulledWithinDays} days ago` : 'no pull recorded');
  }

  const age = now - Date.parse(image.imagePushedAt);
  const minimumHours = options.config.sweep.minimumImageAgeHours;
  const pushedAt = Date.parse(image.imagePushedAt);
  if (age < minimumHours * HOUR_MS) hold('minimumImageAgeHours', `pushed ${(age / HOUR_MS).toFixed(1)} hours ago, younger than minimumImageAgeHours (${minimumHours})`, pushedAt + minimumHours * HOUR_MS);
  if (rule.olderThanDays > 0 && age <= rule.olderThanDays * DAY_MS) hold('olderThanDays', `pushed ${days(age)} days ago, not older than olderThanDays (${rule.olderThanDays})`, pushedAt + rule.olderThanDays * DAY_MS + 1);
  else passes.push(`pushed ${days(age)} days ago${rule.olderThanDays > 0 ? `, older than olderThanDays (${rule.olderThanDays})` : ''}`);

  let since: Assessment['since'];
  if (!usage.inUse.has(key)) {
    since = unreferencedSince(image, ctx.history, facts, options);
    const idle = now - Date.parse(since.at);
    const text = `unreferenced since ${since.at} (${SOURCE_WORDS[since.source]})`;
    // A release stamped in the future (a stopped task's retention, a pin's expiry) protects until then, whatever graceDays says.
    if (idle < 0) hold('protectedUntil', `protected until ${since.at} (its last reference's protection ends then), whatever graceDays (${rule.graceDays})`, Date.parse(since.at) + rule.graceDays * DAY_MS);
    else if (rule.graceDays > 0 && idle < rule.graceDays * DAY_MS) hold('graceDays', `${text}: ${days(idle)} days, less than graceDays (${rule.graceDays})`, Date.parse(since.at) + rule.graceDays * DAY_MS);
    else passes.push(`${text}: ${days(idle)} days, at least graceDays (${rule.graceDays})`);
  }
  const countedPullAt = rule.keepPulledWithinDays > 0 ? image.lastRecordedPullTime : undefined;
  return { protections, holds, passes, timeHolds, topLevel: ctx.topLevel, ...(since && { since }), ...(countedPullAt && { countedPullAt }) };
}

/** Decides keep/delete for every image with reasons: the retention rules of design.md, as one pure function. */
export function planRetention(facts: AccountFacts, recorded: ReadonlyMap<string, ImageHistory>, options: PlanOptions): RetentionPlan {
  const { config } = options;
  const history = releasedByExpiredPins(recorded, facts.pins, options.now);
  const usage = usageAcrossScopes(facts, options.others ?? [], { ...config.ecs, now: options.now });
  const matchRule = ruleMatcher(config.repositories);
  const repositories = new Map(facts.repositories.map((repo) => [repo.repositoryName, repo]));
  const world = options.world ?? isolatedWorld(facts, options);
  const reach = new Map<string, RepositoryReach & { blocking: UnreadableScope[] }>();
  const byRepository = groupBy(facts.images, (image) => image.repositoryName);

  const decided = new Map<string, PlannedImage>();
  for (const [repositoryName, images] of [...byRepository].sort(([a], [b]) => a.localeCompare(b))) {
    const rule = matchRule(repositoryName);
    const plan = (image: ImageFact, selected: 'keep' | 'delete', selectedReasons: string[], assessed?: Pick<Assessment, 'since' | 'countedPullAt' | 'timeHolds'>) => {
      const key = imageKey(image.repositoryName, image.imageDigest);
      // How a selected image goes: deleted, archived, or (archived already) kept until deleteArchivedAfterDays.
      const disposal = selected === 'delete' && rule ? disposalOf(image, disposalRule(rule, config), options.now) : undefined;
      const action = disposal && 'keep' in disposal ? 'keep' : selected;
      const reasons = disposal && 'keep' in disposal ? [disposal.keep] : disposal?.reason ? [...selectedReasons, disposal.reason] : selectedReasons;
      const a = disposal && 'keep' in disposal && disposal.until !== undefined && assessed ? { ...assessed, timeHolds: [{ kind: 'deleteArchivedAfterDays' as const, reason: disposal.keep, until: disposal.until }] } : assessed;
      // Waiting: every reason to keep it ends at a known time.
      const timed = action === 'keep' && a !== undefined && reasons.length > 0 && reasons.every((r) => a.timeHolds.some((h) => h.reason === r));
      const waiting = timed ? { eligibleAt: new Date(Math.max(...a.timeHolds.map((h) => h.until))).toISOString(), for: [...new Set(a.timeHolds.map((h) => h.kind))], reasons } : undefined;
      decided.set(key, {
        image, action, ...(disposal && 'go' in disposal && { disposal: disposal.go }), reasons, referrers: usage.referrers.get(key) ?? [], inUse: usage.inUse.has(key),
        ...(a?.since && { unreferencedSince: a.since }), ...(a?.countedPullAt && { countedPullAt: a.countedPullAt }), ...(waiting && { waiting }),
      });
    };
    if (!rule) {
      images.forEach((image) => plan(image, 'keep', [`repository ${repositoryName} is out of scope: no rule in repositories matches it`]));
      continue;
    }
    const repository = repositories.get(repositoryName) ?? { repositoryName };
    const repositoryReach = reachOf(repository, world);
    reach.set(repositoryName, { ...repositoryReach, blocking: blockingScopes(repositoryReach, rule.keepIfSharedWithOtherAccounts, world.members).map((s) => ({ account: s.accountId, region: s.region, why: s.standing.why })) });
    const keeps = reachKeeps(repositoryReach, rule.keepIfSharedWithOtherAccounts, world.members);
    const covered = coveredAccounts(repositoryReach);
    const children = new Set(images.flatMap((image) => image.childDigests));
    const assessed = new Map(images.map((image) => {
      const key = imageKey(repositoryName, image.imageDigest);
      const topLevel = !children.has(image.imageDigest) && image.subjectDigest === undefined;
      return [key, assess(image, rule, { facts, usage, history: history.get(key), options, topLevel, reach: { keeps, covered } })];
    }));
    const unprotectedTopLevel = images
      .filter((image) => { const a = assessed.get(imageKey(repositoryName, image.imageDigest))!; return a.topLevel && a.protections.length === 0; })
      .sort((a, b) => b.imagePushedAt.localeCompare(a.imagePushedAt) || a.imageDigest.localeCompare(b.imageDigest));
    const rank = new Map(unprotectedTopLevel.map((image, i) => [image.imageDigest, i + 1]));

    const byDigest = new Map(images.map((image) => [image.imageDigest, image]));
    const parentsOf = new Map<string, ImageFact[]>();
    for (const image of images) {
      for (const child of image.childDigests) parentsOf.set(child, [...(parentsOf.get(child) ?? []), image]);
      if (image.subjectDigest !== undefined) {
        const subject = byDigest.get(image.subjectDigest);
        if (subject) parentsOf.set(image.imageDigest, [...(parentsOf.get(image.imageDigest) ?? []), subject]);
      }
    }
    const isKept = (image: ImageFact, seen: Set<string>): boolean => {
      const key = imageKey(repositoryName, image.imageDigest);
      const done = decided.get(key);
      if (done) return done.action === 'keep';
      if (seen.has(key)) return true; // a cycle cannot be reasoned about: keep
      seen.add(key);
      const a = assessed.get(key)!;
      const keeps = [...a.protections];
      const position = rank.get(image.imageDigest);
      if (a.topLevel && position !== undefined) {
        if (position <= rule.keepLatest) keeps.push(`among the newest ${rule.keepLatest} unprotected images of ${repositoryName} (#${position} by push time, keepLatest)`);
        else a.passes.push(`#${position} by push time among unprotected images of ${repositoryName}, beyond keepLatest (${rule.keepLatest})`);
      }
      for (const parent of parentsOf.get(image.imageDigest) ?? []) {
        const relation = parent.imageDigest === image.subjectDigest ? 'its subject' : 'its image index';
        if (isKept(parent, seen)) keeps.push(`${relation} ${repositoryName}@${parent.imageDigest} is kept`);
        else a.passes.push(`${relation} ${repositoryName}@${parent.imageDigest} would be deleted too`);
      }
      keeps.push(...a.holds);
      plan(image, keeps.length ? 'keep' : 'delete', keeps.length ? keeps : a.passes, a);
      return keeps.length > 0;
    };
    for (const image of images) isKept(image, new Set());
  }
  const images = facts.images.map((image) => decided.get(imageKey(image.repositoryName, image.imageDigest))!);
  return { now: options.now, images, usage, reach };
}
