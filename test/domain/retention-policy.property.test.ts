import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccountFacts } from '../../src/domain/facts.js';
import { imageKey } from '../../src/domain/facts.js';
import { planRetention } from '../../src/domain/retention-policy.js';
import { NOW } from '../fixtures/account-builder.js';
import { accountArb, build, type Generated } from '../fixtures/random-account.js';
import { testConfig } from '../fixtures/plan-helpers.js';

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
