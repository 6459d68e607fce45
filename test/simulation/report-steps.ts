import { reportUsage } from '../../src/app/usage-reports.js';
import type { Sim } from './sim.js';
import type { Op } from './timeline.js';
import { HOST, REPO, SCOPE } from './world.js';

type ReportOp = Extract<Op, { op: 'report' }>;

export const isReportOp = (o: Op): o is ReportOp => o.op === 'report';

/**
 * A usage source reports the full set of images it runs now, as `report-usage` and the function URL take it: each by
 * digest (the digest its tag names now) or by tag (whatever the tag names while it is reported). What the previous
 * report had and this one leaves out is no longer used from now. The truth keeps each as a use by name.
 */
export async function reportStep(sim: Sim, o: ReportOp): Promise<void> {
  const source = `edge-${o.source}`;
  const named = o.images.flatMap(({ tag, byDigest }) => {
    const d = sim.tagged(tag);
    if (!d) return []; // the tag names no image now: nothing to run
    return [byDigest ? { key: `@${d}`, digest: d } : { key: `:${tag}`, tag }];
  });
  await reportUsage({ reports: sim.ledger.reports, events: sim.ledger.events, index: sim.ledger.usageIndex(), config: sim.config }, SCOPE, {
    source, reportedAt: sim.iso(), images: named.map((n) => ({ image: `${HOST}/${REPO}${n.key}`, workloads: [`${source}/deploy/app`] })),
  });
  const now = sim.nowMs();
  const who = (key: string) => `usage source ${source} (${REPO}${key.startsWith('@') ? key.slice(0, 20) : key})`;
  const keys = new Set(named.map((n) => who(n.key)));
  for (const use of sim.truth.schedules) if (use.to === undefined && use.who?.startsWith(`usage source ${source} `) && !keys.has(use.who)) use.to = now;
  for (const n of named) {
    if (sim.truth.schedules.some((u) => u.to === undefined && u.who === who(n.key))) continue; // still reported
    sim.truth.schedules.push({ family: `report-${source}`, who: who(n.key), ...(n.digest !== undefined ? { digest: n.digest } : { tag: n.tag! }), from: now, account: SCOPE.accountId });
  }
}
