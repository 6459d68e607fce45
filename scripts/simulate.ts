/**
 * `npm run simulate [-- --seed S | --seeds N [--from K]]`: the product's real code in simulated worlds, judged by
 * what really happened (test/simulation). One seed replays byte for byte; many seeds stop at the first failure and
 * print it shrunk. Exit 1 on a failure.
 */
import { play } from '../test/simulation/play.js';
import { describeFailure, survey } from '../test/simulation/simulate.js';
import { generate } from '../test/simulation/timeline.js';

const args = process.argv.slice(2);
const flag = (name: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : undefined; };
const number = (name: string, fallback: number) => {
  const text = flag(name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) { process.stderr.write(`--${name} ${text}: expected a whole number\n`); process.exit(2); }
  return Number(text);
};

if (flag('seed') !== undefined) {
  const timeline = generate(number('seed', 0));
  process.stdout.write(`seed ${timeline.seed}; setting ${JSON.stringify(timeline.setting)}\n`);
  timeline.ops.forEach((op, i) => process.stdout.write(`${String(i + 1).padStart(3)}. ${JSON.stringify(op)}\n`));
  const played = await play(timeline);
  const live = played.liveness.gone === played.liveness.due;
  process.stdout.write(`${played.violations.length === 0 && live ? 'PASSED' : 'FAILED'}: ${JSON.stringify(played.stats)}; liveness ${played.liveness.gone}/${played.liveness.due}\n`);
  for (const v of played.violations) process.stdout.write(`  ${v}\n`);
  for (const k of played.liveness.kept ?? []) process.stdout.write(`  kept though nothing used it: ${k}\n`);
  process.exit(played.violations.length === 0 && live ? 0 : 1);
}
const count = number('seeds', 200);
const from = number('from', 1);
const started = Date.now();
const result = await survey(from, count, { onWorld: (seed) => { if (seed % 50 === 0) process.stderr.write(`  ${seed - from + 1} worlds…\n`); } });
const minutes = (Date.now() - started) / 60_000;
const live = result.liveness.due === 0 ? 100 : (100 * result.liveness.gone) / result.liveness.due;
process.stdout.write(`${result.worlds} world(s) from seed ${from} in ${minutes.toFixed(1)} min (${(result.worlds / minutes).toFixed(0)} worlds/min); ${JSON.stringify(result.stats)}\n`);
process.stdout.write(`liveness: ${result.liveness.gone} of ${result.liveness.due} images unused past every window were gone within three nights (${live.toFixed(1)}%)\n`);
if (result.failure) {
  process.stdout.write(`${describeFailure(result.failure)}\n`);
  process.exit(1);
}
if (result.liveness.gone < result.liveness.due) {
  process.stdout.write(`liveness below 100%: ${result.liveness.due - result.liveness.gone} image(s) nothing used were kept, in seed(s) ${result.liveness.seeds.slice(0, 10).join(', ')} (replay one with --seed to see which)\n`);
  process.exit(1);
}
process.stdout.write('no violation\n');
