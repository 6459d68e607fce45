import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccountFacts } from '../../src/domain/facts.js';
import { imageKey } from '../../src/domain/facts.js';
import { planRetention } from '../../src/domain/retention-policy.js';
import { AccountBuilder, NOW, daysAgo, digest, uri } from '../fixtures/account-builder.js';
import { testConfig } from '../fixtures/plan-helpers.js';

const REPOS = ['app', 'web', 'team/api'];
const TAGS = ['latest', 'v1', 'v2', 'prod', 'blue'];

const imageArb = fc.record({
  repo: fc.constantFrom(...REPOS),
  tags: fc.uniqueArray(fc.constantFrom(...TAGS), { maxLength: 2 }),
  pushedDaysAgo: fc.integer({ min: 0, max: 120 }),
  pulledDaysAgo: fc.option(fc.integer({ min: 0, max: 120 }), { nil: undefined }),
  childOf: fc.option(fc.nat(), { nil: undefined }),
  subjectOf: fc.option(fc.nat(), { nil: undefined }),
});
const refArb = fc.record({ byDigest: fc.boolean(), image: fc.nat(), repo: fc.constantFrom(...REPOS), tag: fc.constantFrom(...TAGS) });
const accountArb = fc.record({
  images: fc.array(imageArb, { minLength: 1, maxLength: 25 }),
  revisions: fc.array(fc.record({ family: fc.constantFrom('svc-a', 'svc-b', 'job'), ref: refArb, active: fc.boolean() }), { maxLength: 12 }),
  services: fc.array(fc.record({ revision: fc.nat(), status: fc.constantFrom('PRIMARY', 'ACTIVE', 'INACTIVE') }), { maxLength: 4 }),
  tasks: fc.array(fc.record({ image: fc.nat(), stoppedHoursAgo: fc.option(fc.integer({ min: 0, max: 72 }), { nil: undefined }) }), { maxLength: 4 }),
  lambdas: fc.array(fc.record({ image: fc.nat(), ref: refArb }), { maxLength: 3 }),
  pins: fc.array(fc.nat(), { maxLength: 2 }),
  rule: fc.record({ keepLatest: fc.integer({ min: 0, max: 4 }), olderThanDays: fc.integer({ min: 0, max: 40 }), graceDays: fc.integer({ min: 0, max: 10 }), keepPulledWithinDays: fc.integer({ min: 0, max: 30 }) }),
  ecs: fc.record({ rollbackRevisions: fc.integer({ min: 0, max: 2 }), keepLatestRevisions: fc.integer({ min: 0, max: 2 }) }),
});

type Generated = typeof accountArb extends fc.Arbitrary<infer T> ? T : never;

function build(g: Generated): AccountFacts {
  const b = new AccountBuilder();
  const names = g.images.map((_, i) => `img-${i}`);
  const pick = (n: number) => n % names.length;
  const links: Array<[string, string]> = [];
  g.images.forEach((img, i) => {
    const sameRepo = g.images.map((other, j) => ({ other, j })).filter(({ other, j }) => other.repo === img.repo && j !== i);
    const parent = img.childOf !== undefined && sameRepo.length ? sameRepo[img.childOf % sameRepo.length]! : undefined;
    const subject = img.subjectOf !== undefined && sameRepo.length ? sameRepo[img.subjectOf % sameRepo.length]! : undefined;
    b.image(img.repo, names[i]!, {
      tags: img.tags, pushedDaysAgo: img.pushedDaysAgo,
      ...(img.pulledDaysAgo !== undefined && { lastRecordedPullTime: daysAgo(img.pulledDaysAgo) }),
      ...(subject && !parent && { subjectDigest: digest(names[subject.j]!) }),
    });
    if (parent) links.push([digest(names[parent.j]!), digest(names[i]!)]);
  });
  for (const [parent, child] of links) b.addChildren(parent, [child]);
  const refText = (r: Generated['revisions'][number]['ref']) => {
    const img = g.images[pick(r.image)]!;
    return r.byDigest ? uri(`${img.repo}@${digest(names[pick(r.image)]!)}`) : uri(`${r.repo}:${r.tag}`);
  };
  const revisionKeys: string[] = [];
  const counters = new Map<string, number>();
  for (const rev of g.revisions) {
    const n = (counters.get(rev.family) ?? 0) + 1;
    counters.set(rev.family, n);
    revisionKeys.push(`${rev.family}:${n}`);
    b.taskDefinition(`${rev.family}:${n}`, { main: refText(rev.ref) }, rev.active ? 'ACTIVE' : 'INACTIVE');
  }
  g.services.forEach((svc, i) => {
    if (revisionKeys.length) b.service(`svc-${i}`, [{ td: revisionKeys[svc.revision % revisionKeys.length]!, status: svc.status }]);
  });
  g.tasks.forEach((task, i) => {
    const img = g.images[pick(task.image)]!;
    const stopped = task.stoppedHoursAgo !== undefined ? new Date(Date.parse(NOW) - task.stoppedHoursAgo * 3_600_000).toISOString() : undefined;
    b.task(`task-${i}`, revisionKeys[0] ?? 'job:1', [{ name: 'main', image: uri(`${img.repo}:x`), imageDigest: digest(names[pick(task.image)]!) }], stopped ? 'STOPPED' : 'RUNNING', stopped);
  });
  g.lambdas.forEach((fn, i) => {
    const img = g.images[pick(fn.image)]!;
    b.lambda(`fn-${i}`, '1', refText(fn.ref), uri(`${img.repo}@${digest(names[pick(fn.image)]!)}`));
  });
  g.pins.forEach((p) => b.pin(g.images[pick(p)]!.repo, digest(names[pick(p)]!), 'external consumer'));
  return b.build();
}

function shuffled<T>(list: readonly T[], seed: number): T[] {
  const out = [...list];
  let s = seed;
  for (let i = out.length - 1; i > 0; i -= 1) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function shuffleFacts(facts: AccountFacts, seed: number): AccountFacts {
  return {
    ...facts,
    repositories: shuffled(facts.repositories, seed), images: shuffled(facts.images, seed + 1), taskDefinitions: shuffled(facts.taskDefinitions, seed + 2),
    services: shuffled(facts.services, seed + 3), tasks: shuffled(facts.tasks, seed + 4), lambdaFunctions: shuffled(facts.lambdaFunctions, seed + 5), pins: shuffled(facts.pins, seed + 6),
  };
}

function outcome(facts: AccountFacts, g: Generated) {
  const config = testConfig({ ...g.rule, keepTags: ['latest'] }, { ecs: g.ecs, sweep: { minimumImageAgeHours: 0 } });
  return planRetention(facts, new Map(), { config, now: NOW, historySource: 'snapshot' });
}

describe('retention policy properties', () => {
  it('never plans to delete an image that something protects, directly or through a kept parent', () => {
    fc.assert(
      fc.property(accountArb, (g) => {
        const facts = build(g);
        const plan = outcome(facts, g);
        const kept = new Set(plan.images.filter((p) => p.action === 'keep').map((p) => imageKey(p.image.repositoryName, p.image.imageDigest)));
        for (const planned of plan.images) {
          const key = imageKey(planned.image.repositoryName, planned.image.imageDigest);
          if (planned.referrers.some((r) => r.protecting) || plan.usage.inUse.has(key)) expect(planned.action).toBe('keep');
          for (const child of planned.image.childDigests) if (kept.has(key)) expect(kept.has(imageKey(planned.image.repositoryName, child))).toBe(true);
          if (planned.image.subjectDigest && kept.has(imageKey(planned.image.repositoryName, planned.image.subjectDigest))) expect(planned.action).toBe('keep');
          if (planned.image.imageTags.includes('latest')) expect(planned.action).toBe('keep');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('does not depend on the order of the input lists', () => {
    fc.assert(
      fc.property(accountArb, fc.integer({ min: 1, max: 1_000_000 }), (g, seed) => {
        const facts = build(g);
        const view = (facts: AccountFacts) => {
          const plan = outcome(facts, g);
          return Object.fromEntries(plan.images.map((p) => [imageKey(p.image.repositoryName, p.image.imageDigest), { action: p.action, referrers: p.referrers.map((r) => `${r.kind} ${r.id} ${r.protecting}`) }]));
        };
        expect(view(shuffleFacts(facts, seed))).toEqual(view(facts));
      }),
      { numRuns: 200 },
    );
  });
});
