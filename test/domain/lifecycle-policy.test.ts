import { describe, expect, it } from 'vitest';
import type { ImageFact } from '../../src/domain/facts.js';
import { evaluateLifecycle } from '../../src/domain/lifecycle-policy.js';
import { parseLifecyclePolicy } from '../../src/domain/lifecycle-rules.js';
import { daysAgo, digest, NOW } from '../fixtures/account-builder.js';

function image(name: string, tags: string[], pushedDaysAgo: number, extra: Partial<ImageFact> = {}): ImageFact {
  return { repositoryName: 'repo', imageDigest: digest(name), imageTags: tags, imagePushedAt: daysAgo(pushedDaysAgo), imageSizeInBytes: 1, childDigests: [], ...extra };
}

function rule(priority: number, selection: Record<string, unknown>, action: Record<string, unknown> = { type: 'expire' }) {
  return { rulePriority: priority, selection, action };
}

/** The short names of the images the policy selects now, per rule priority. */
function selected(rules: unknown[], images: ImageFact[]): Record<number, string[]> {
  const names = new Map(images.map((i) => [i.imageDigest, i.imageTags[0] ?? i.imageDigest.slice(7, 11)]));
  const outcome = evaluateLifecycle(parseLifecyclePolicy(JSON.stringify({ rules })), images, NOW);
  const result: Record<number, string[]> = {};
  for (const s of outcome.selections) (result[s.rule.rulePriority] ??= []).push(names.get(s.image.imageDigest)!);
  return result;
}

describe('ECR lifecycle policy evaluation', () => {
  const history = [image('v5', ['v5'], 1), image('v4', ['v4'], 2), image('v3', ['v3'], 3), image('v2', ['v2'], 4), image('v1', ['v1'], 5)];

  it('imageCountMoreThan keeps the newest N matching images by push time and selects the rest', () => {
    expect(selected([rule(1, { tagStatus: 'tagged', tagPatternList: ['*'], countType: 'imageCountMoreThan', countNumber: 3 })], history)).toEqual({ 1: ['v2', 'v1'] });
  });

  it('sinceImagePushed selects images pushed more than N days ago', () => {
    expect(selected([rule(1, { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 3 })], history)).toEqual({ 1: ['v2', 'v1'] });
  });

  it('sinceImagePulled uses the last recorded pull time, and the push time of an image never pulled', () => {
    const images = [image('old-pulled', ['a'], 30, { lastRecordedPullTime: daysAgo(1) }), image('old-unpulled', ['b'], 30), image('new', ['c'], 1)];
    expect(selected([rule(1, { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 7 })], images)).toEqual({ 1: ['b'] });
  });

  it('a tagged rule needs each listed pattern and prefix to match one of the image\'s tags', () => {
    const images = [image('both', ['prod-1', 'release'], 10), image('one', ['prod-2'], 10), image('none', ['dev'], 10)];
    expect(selected([rule(1, { tagStatus: 'tagged', tagPatternList: ['prod-*', 'rel*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 })], images)).toEqual({ 1: ['prod-1'] });
    expect(selected([rule(1, { tagStatus: 'tagged', tagPrefixList: ['prod'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 })], images)[1]!.sort()).toEqual(['prod-1', 'prod-2']);
  });

  it('untagged rules see only untagged images', () => {
    const images = [image('u1', [], 10), image('u2', [], 20), image('t', ['t'], 30)];
    expect(selected([rule(1, { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 })], images)).toEqual({ 1: [digest('u2').slice(7, 11)] });
  });

  it('an image matching the tags of a higher-priority rule is never acted on by a lower one, though it still counts there', () => {
    const rules = [
      rule(1, { tagStatus: 'tagged', tagPrefixList: ['v5', 'v4'], countType: 'imageCountMoreThan', countNumber: 10 }),
      rule(2, { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 1 }),
    ];
    // Rule 1 matches nothing (no image has both tags); rule 2 keeps the newest one and selects the rest.
    expect(selected(rules, history)).toEqual({ 2: ['v4', 'v3', 'v2', 'v1'] });
    const claiming = [rule(1, { tagStatus: 'tagged', tagPrefixList: ['v1'], countType: 'imageCountMoreThan', countNumber: 10 }), rules[1]];
    // v1 matches rule 1's tags (which keeps it), so rule 2 may not expire it; it still counts in rule 2's ranking.
    expect(selected(claiming, history)).toEqual({ 2: ['v4', 'v3', 'v2'] });
  });

  it('evaluates tagStatus any rules last, whatever their priority', () => {
    const rules = [rule(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 4 }), rule(2, { tagStatus: 'tagged', tagPrefixList: ['v1'], countType: 'imageCountMoreThan', countNumber: 1 })];
    const policy = parseLifecyclePolicy(JSON.stringify({ rules }));
    expect(policy.problems.join()).toMatch(/rule 1: a tagStatus "any" rule must have the highest rulePriority/);
    expect(selected(rules, history)).toEqual({});
  });

  it('does not expire a child of an image index while the index remains', () => {
    const child = image('child', [], 40);
    const index = image('index', ['multi'], 40, { childDigests: [child.imageDigest] });
    const untaggedRule = rule(1, { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 });
    const outcome = evaluateLifecycle(parseLifecyclePolicy(JSON.stringify({ rules: [untaggedRule] })), [index, child], NOW);
    expect(outcome.selections).toEqual([]);
    expect(outcome.notes.join()).toMatch(/while an image index that names it remains/);
    const both = [untaggedRule, rule(2, { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 })];
    expect(evaluateLifecycle(parseLifecyclePolicy(JSON.stringify({ rules: both })), [index, child], NOW).selections.map((s) => s.image.imageDigest).sort()).toEqual([child.imageDigest, index.imageDigest].sort());
  });

  it('transition rules act on standard images; archive-class rules on archived ones, by archive time', () => {
    const archived = image('cold', ['cold'], 200, { imageStatus: 'ARCHIVED', lastArchivedAt: daysAgo(100) });
    const images = [...history, archived];
    const rules = [
      rule(1, { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 4 }, { type: 'transition', targetStorageClass: 'archive' }),
      rule(2, { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 90 }),
    ];
    const outcome = evaluateLifecycle(parseLifecyclePolicy(JSON.stringify({ rules })), images, NOW);
    expect(outcome.selections.map((s) => [s.rule.action, s.image.imageTags[0]])).toEqual([['transition', 'v1'], ['expire', 'cold']]);
  });

  it('reports fields ECR does not document instead of guessing their meaning, and skips unreadable rules', () => {
    const policy = parseLifecyclePolicy(JSON.stringify({ rules: [
      { ...rule(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1, tagRegex: 'x' }), enabled: false },
      rule(2, { tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 1 }),
      rule(3, { tagStatus: 'any', countType: 'sinceImagePushed', countNumber: 3 }),
    ] }));
    expect(policy.rules.map((r) => r.rulePriority)).toEqual([1]);
    expect(policy.problems).toEqual([
      'rule 1: unknown field "enabled" (not evaluated)',
      'rule 1 selection: unknown field "tagRegex" (not evaluated)',
      'rule 2: a tagged rule needs tagPrefixList or tagPatternList; the rule is not evaluated',
      'rule 3: sinceImagePushed needs selection.countUnit "days"; the rule is not evaluated',
    ]);
    expect(parseLifecyclePolicy('{not json').problems[0]).toMatch(/^the policy is not JSON/);
  });
});
