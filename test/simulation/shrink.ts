import { play } from './play.js';
import type { Timeline } from './timeline.js';

/**
 * The shortest timeline that still fails (greedy: drop chunks of steps, halving the chunk, while a violation
 * remains). Replaying it needs only the setting and the steps, printed with the seed.
 */
export async function shrink(failing: Timeline, o: { maxPlays?: number } = {}): Promise<{ timeline: Timeline; violations: readonly string[]; plays: number }> {
  let best = failing;
  let violations = (await play(best)).violations;
  let plays = 1;
  const budget = o.maxPlays ?? 300;
  for (let size = Math.max(1, Math.floor(best.ops.length / 2)); size >= 1 && plays < budget; size = Math.floor(size / 2)) {
    for (let start = best.ops.length - size; start >= 0 && plays < budget; start -= size) {
      const candidate = { ...best, ops: [...best.ops.slice(0, start), ...best.ops.slice(start + size)] };
      const result = await play(candidate);
      plays += 1;
      if (result.violations.length > 0) {
        best = candidate;
        violations = result.violations;
      }
    }
  }
  return { timeline: best, violations, plays };
}
