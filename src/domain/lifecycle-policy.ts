import { isArchived, type ImageFact } from './facts.js';
import type { LifecyclePolicy, LifecycleRule } from './lifecycle-rules.js';

const DAY_MS = 86_400_000;

/** One image a lifecycle rule would act on now. */
export interface LifecycleSelection {
  readonly rule: LifecycleRule;
  readonly image: ImageFact;
  readonly why: string;
}

export interface LifecycleOutcome {
  readonly selections: readonly LifecycleSelection[];
  /** What the evaluation had to assume (an archive time ECR did not report, …). */
  readonly notes: readonly string[];
}

/** ECR's tag wildcard: `*` matches any run of characters, everything else is literal. */
function wildcard(pattern: string): (tag: string) => boolean {
  const source = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  const re = new RegExp(`^${source}$`);
  return (tag) => re.test(tag);
}

/** Whether the image meets the rule's tag requirements: every listed prefix and every pattern matches one of its tags. */
function tagsMatch(rule: LifecycleRule, image: ImageFact): boolean {
  const tagged = image.imageTags.length > 0;
  if (rule.tagStatus === 'untagged') return !tagged;
  if (rule.tagStatus === 'any') return true;
  if (!tagged) return false;
  return rule.tagPrefixList.every((prefix) => image.imageTags.some((t) => t.startsWith(prefix)))
    && rule.tagPatternList.every((pattern) => image.imageTags.some(wildcard(pattern)));
}

const inStorageClass = (rule: LifecycleRule, image: ImageFact) => (rule.storageClass === 'archive') === isArchived(image);

const byNewest = (a: ImageFact, b: ImageFact) => b.imagePushedAt.localeCompare(a.imagePushedAt) || a.imageDigest.localeCompare(b.imageDigest);

/** The images a rule's count criterion picks out of those it matches, with why; `notes` collects assumptions. */
function counted(rule: LifecycleRule, matching: readonly ImageFact[], now: number, notes: string[]): Map<string, string> {
  const picked = new Map<string, string>();
  if (rule.countType === 'imageCountMoreThan') {
    [...matching].sort(byNewest).slice(rule.countNumber).forEach((image, i) =>
      picked.set(image.imageDigest, `${rule.countNumber + i + 1}th newest of ${matching.length} matching images (keeps ${rule.countNumber})`));
    return picked;
  }
  const limit = now - rule.countNumber * DAY_MS;
  for (const image of matching) {
    let at: string | undefined;
    let what: string;
    if (rule.countType === 'sinceImagePushed') [at, what] = [image.imagePushedAt, 'pushed'];
    else if (rule.countType === 'sinceImagePulled') [at, what] = [image.lastRecordedPullTime ?? image.imagePushedAt, image.lastRecordedPullTime ? 'last pulled' : 'never pulled; pushed'];
    else [at, what] = [image.lastArchivedAt, 'archived'];
    if (at === undefined) {
      // Assume the worst for a warning tool: an archived image of unknown archive time may be past the limit.
      notes.push(`${image.repositoryName}@${image.imageDigest}: archive time unknown, counted as past rule ${rule.rulePriority}'s ${rule.countNumber} days`);
      picked.set(image.imageDigest, `archived at an unknown time (more than ${rule.countNumber} days assumed)`);
    } else if (Date.parse(at) < limit) picked.set(image.imageDigest, `${what} ${at}, more than ${rule.countNumber} days ago`);
  }
  return picked;
}

/**
 * What a repository's lifecycle policy would expire or archive now, as ECR's evaluator is documented: rules in
 * `rulePriority` order with `any` rules last; an image that meets a higher-priority rule's tag requirements is never
 * acted on by a lower one (though lower rules still count it); a child of an image index is not expired while the
 * index remains.
 */
export function evaluateLifecycle(policy: LifecyclePolicy, images: readonly ImageFact[], now: string): LifecycleOutcome {
  const rules = [...policy.rules].sort((a, b) => Number(a.tagStatus === 'any') - Number(b.tagStatus === 'any') || a.rulePriority - b.rulePriority);
  const notes: string[] = [];
  const claimed = new Set<string>();
  const selected = new Map<string, LifecycleSelection>();
  for (const rule of rules) {
    const matching = images.filter((image) => inStorageClass(rule, image) && tagsMatch(rule, image));
    for (const [digest, why] of counted(rule, matching, Date.parse(now), notes)) {
      if (!claimed.has(digest)) selected.set(digest, { rule, image: matching.find((i) => i.imageDigest === digest)!, why });
    }
    for (const image of matching) claimed.add(image.imageDigest);
  }
  const remaining = images.filter((image) => selected.get(image.imageDigest)?.rule.action !== 'expire');
  const heldByIndex = new Set(remaining.flatMap((index) => index.childDigests));
  const selections = [...selected.values()].filter((s) => {
    if (s.rule.action === 'expire' && heldByIndex.has(s.image.imageDigest)) {
      notes.push(`${s.image.repositoryName}@${s.image.imageDigest}: not expired by rule ${s.rule.rulePriority} while an image index that names it remains`);
      return false;
    }
    return true;
  });
  return { selections: selections.sort((a, b) => a.rule.rulePriority - b.rule.rulePriority || byNewest(a.image, b.image)), notes };
}
