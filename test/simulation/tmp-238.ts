import { shrink } from './shrink.js';
import { generate } from './timeline.js';
import { describeFailure } from './simulate.js';
import { play } from './play.js';
const seed = Number(process.argv[2]);
const t = generate(seed);
const p = await play(t);
console.log(p.violations);
if (p.violations.length) {
  const s = await shrink(t);
  console.log(describeFailure({ seed, violations: p.violations, shortest: s.timeline, shortestViolations: s.violations }));
}
