import type { SweepReport } from '../../src/app/sweep/report.js';
import type { Promises, Truth } from './truth.js';

const HOUR = 3_600_000;
const short = (d: string) => d.slice(0, 19);

/** The repository as ECR holds it: each digest with its storage class (ACTIVE when ECR says none). */
export type EcrState = ReadonlyMap<string, string>;

/**
 * What a sweep did, judged by the truth: (1) nothing deleted or archived inside the protection the config promises,
 * nothing touched while ECR restored it; (2) nothing before the deletableFrom a notice promised (nor unannounced);
 * (3) the run's record says what ECR did, image by image, both ways.
 */
export function judgeSweep(o: { before: EcrState; after: EcrState; report: SweepReport; truth: Truth; at: number; promises: Promises; notice: boolean; usesOnly?: boolean }): { violations: string[]; deleted: number; archived: number } {
  const { before, after, report, truth, at } = o;
  const when = new Date(at).toISOString();
  const violations: string[] = [];
  let deleted = 0;
  let archived = 0;
  for (const [d, status] of before) {
    const changed = !after.has(d) ? 'deleted' : after.get(d) !== status && after.get(d) === 'ARCHIVED' ? 'archived' : undefined;
    if (!changed) continue;
    const why = truth.broken(d, at, o.promises, { usesOnly: o.usesOnly === true });
    if (why) violations.push(`${when}: ${short(d)} ${changed} by the sweep: ${why}`);
    if (status === 'ACTIVATING') violations.push(`${when}: ${short(d)} ${changed} by the sweep while ECR restored it (ACTIVATING)`);
    const promised = truth.promised.get(d);
    if (o.notice && (promised === undefined || at < promised)) violations.push(`${when}: ${short(d)} ${changed} by the sweep ${promised === undefined ? 'without an announcement' : `before the ${new Date(promised).toISOString()} its notice promised`}`);
    const said = report.images.find((i) => i.imageDigest === d);
    if (said?.outcome !== changed) violations.push(`${when}: ${short(d)} was ${changed}; the run's record says ${said?.outcome ?? 'nothing'}`);
    if (changed === 'deleted') deleted += 1; else archived += 1;
  }
  for (const i of report.images) {
    const happened = !after.has(i.imageDigest) && before.has(i.imageDigest) ? 'deleted' : after.get(i.imageDigest) === 'ARCHIVED' && before.get(i.imageDigest) !== 'ARCHIVED' ? 'archived' : 'nothing';
    if (happened !== i.outcome) violations.push(`${when}: the run says ${short(i.imageDigest)} ${i.outcome}; ECR shows ${happened}`);
  }
  return { violations, deleted, archived };
}

/**
 * Liveness: every image nothing has used past every window, three nights before the end, is gone (or archived, for a
 * rule that archives and never deletes) — unless the cap still held images back in those nights (the config's promise).
 */
export function judgeLiveness(o: { truth: Truth; promises: Promises; ecr: EcrState; end: number; keepsArchived: boolean; cappedAt: number }): { due: number; gone: number; kept: string[] } {
  const { truth, ecr, end } = o;
  const horizon = end - 3 * 24 * HOUR;
  const kept: string[] = [];
  let due = 0;
  let gone = 0;
  if (o.cappedAt > horizon) return { due, gone, kept };
  for (const d of truth.pushedAt.keys()) {
    const free = truth.freeFrom(d, o.promises);
    if (free === undefined || free > horizon) continue;
    const status = ecr.get(d) ?? 'GONE';
    if (status === 'ACTIVATING') continue; // kept by every rule while ECR restores it
    // Known and left (docs/development.md): the children of an index kept archived stay active with it.
    if ([...truth.children].some(([index, kids]) => kids.includes(d) && ecr.get(index) === 'ARCHIVED')) continue;
    if ([...truth.children].some(([index, kids]) => kids.includes(d) && ecr.get(index) === 'ACTIVATING')) continue; // kept with the index ECR restores
    due += 1;
    if (status === 'GONE' || (o.keepsArchived && status === 'ARCHIVED')) gone += 1;
    else kept.push(`${short(d)} ${status}, free from ${new Date(free).toISOString()}`);
  }
  return { due, gone, kept };
}
