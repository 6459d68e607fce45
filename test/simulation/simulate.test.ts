import { describe, expect, it } from 'vitest';
import { describeFailure, survey } from './simulate.js';
import { generate } from './timeline.js';

/**
 * The simulated world (issue 31): the product's real code over seeded worlds — pushes, re-pushes of deleted digests,
 * indexes, tasks that start and stop, ECS forgetting them, pins, pulls, outside deletions and archives, restores,
 * reconciles and sweeps, with events delivered late, twice, reordered or never — judged by the truth the world keeps.
 * A fixed set of seeds here; `npm run simulate -- --seeds 5000` is the long run.
 */
const CI_SEEDS = { from: 1, count: 30 };

describe('the simulated world', () => {
  it(`seeds ${CI_SEEDS.from}-${CI_SEEDS.from + CI_SEEDS.count - 1}: nothing used within its protection goes, every record says what ECR did, and what nothing uses goes`, async () => {
    const result = await survey(CI_SEEDS.from, CI_SEEDS.count);
    if (result.failure) throw new Error(describeFailure(result.failure));
    // Liveness: keeping everything cannot pass.
    expect(result.stats.deleted + result.stats.archived).toBeGreaterThan(100);
    expect(result.liveness.gone).toBe(result.liveness.due);
  }, 180_000);

  it('a seed is its world: the same seed makes the same timeline, another seed another', () => {
    expect(JSON.stringify(generate(7))).toBe(JSON.stringify(generate(7)));
    expect(JSON.stringify(generate(7))).not.toBe(JSON.stringify(generate(8)));
  });
});
