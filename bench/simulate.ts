import { survey } from '../test/simulation/simulate.js';

/** The simulated world's speed (issue 31): worlds per minute over a fixed set of seeds, and the liveness figure. */
export async function benchSimulation(seeds = 30): Promise<void> {
  const t0 = performance.now();
  const result = await survey(1, seeds);
  const minutes = (performance.now() - t0) / 60_000;
  const live = result.liveness.due === 0 ? 100 : (100 * result.liveness.gone) / result.liveness.due;
  console.log(`simulation: ${result.worlds} worlds in ${(minutes * 60).toFixed(1)} s (${(result.worlds / minutes).toFixed(0)} worlds/min; 5,000 seeds ≈ ${(5000 / (result.worlds / minutes)).toFixed(0)} min); ` +
    `${result.stats.deleted} deleted, ${result.stats.archived} archived over ${result.stats.sweeps} sweeps; liveness ${live.toFixed(1)}%${result.failure ? `; FAILED at seed ${result.failure.seed}` : ''}`);
}
