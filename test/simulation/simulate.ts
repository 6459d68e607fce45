import { play, type Played } from './play.js';
import { shrink } from './shrink.js';
import { generate, type Timeline } from './timeline.js';

/** What running many seeds found: the first failure (shrunk), and the liveness figure over all worlds. */
export interface Survey {
  readonly worlds: number;
  readonly failure?: { readonly seed: number; readonly violations: readonly string[]; readonly shortest: Timeline; readonly shortestViolations: readonly string[] };
  /** Over all worlds played; `seeds`: those that kept an image nothing used. */
  readonly liveness: { readonly due: number; readonly gone: number; readonly seeds: readonly number[] };
  readonly stats: Played['stats'];
}

/** Plays seeds `from` … `from + count - 1`; stops at the first that fails and shrinks it. */
export async function survey(from: number, count: number, o: { length?: number; onWorld?: (seed: number, played: Played) => void } = {}): Promise<Survey> {
  const liveness = { due: 0, gone: 0, seeds: [] as number[] };
  const stats = { deleted: 0, archived: 0, refused: 0, sweeps: 0, purges: 0 };
  for (let seed = from; seed < from + count; seed += 1) {
    const timeline = generate(seed, o.length);
    const played = await play(timeline);
    o.onWorld?.(seed, played);
    liveness.due += played.liveness.due;
    liveness.gone += played.liveness.gone;
    if (played.liveness.gone < played.liveness.due) liveness.seeds.push(seed);
    for (const k of Object.keys(stats) as Array<keyof typeof stats>) stats[k] += played.stats[k];
    if (played.violations.length > 0) {
      const shrunk = await shrink(timeline);
      return { worlds: seed - from + 1, failure: { seed, violations: played.violations, shortest: shrunk.timeline, shortestViolations: shrunk.violations }, liveness, stats };
    }
  }
  return { worlds: count, liveness, stats };
}

/** A failing seed as a person reads it: the seed to replay, what broke, and the shortest timeline that still breaks. */
export function describeFailure(f: NonNullable<Survey['failure']>): string {
  return [
    `seed ${f.seed} FAILED (replay: npm run simulate -- --seed ${f.seed})`,
    ...f.violations.map((v) => `  ${v}`),
    `shortest timeline that still fails (${f.shortest.ops.length} steps; setting ${JSON.stringify(f.shortest.setting)}):`,
    ...f.shortest.ops.map((op, i) => `  ${String(i + 1).padStart(3)}. ${JSON.stringify(op)}`),
    ...f.shortestViolations.map((v) => `  => ${v}`),
  ].join('\n');
}
