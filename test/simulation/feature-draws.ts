import type { Rng } from './rng.js';
import type { Delivery, Op, Setting } from './timeline.js';

/** The tags a world pushes: v1-v3 name images, m1-m2 multi-arch indexes. */
export const TAGS = ['v1', 'v2', 'v3', 'm1', 'm2'];

/** How each world feature draws its steps, each from its own stream, beside the workload's (timeline.ts). */

/** A step of the ECS service, drawn from its own stream (its events at the world's rates). */
export function serviceStep(services: Rng, setting: Setting): Op {
  const delivery = deliveryOf(services, setting);
  const r = services.next();
  if (r < 0.5) return { op: 'deployService', tag: services.pick(TAGS), byDigest: services.chance(0.3), delivery };
  if (r < 0.8) return { op: 'completeService', delivery };
  return r < 0.9 ? { op: 'scaleService', to: services.chance(0.6) ? 0 : 1, delivery } : { op: 'retireRevisions', delivery };
}

/** In a world with snapshots: now and then one is captured; a reconcile may load the last one instead of reading live. */
export function withSnapshots(ops: Op[], pictures: Rng): void {
  const last = ops.at(-1)!;
  if (last.op === 'reconcile' && ops.some((o) => o.op === 'capture') && pictures.chance(0.4)) ops[ops.length - 1] = { op: 'loadSnapshot' };
  if (pictures.chance(0.06)) ops.push({ op: 'capture' });
}

/** In a world with a member: the step just drawn may happen there, and the member's role may go and come back. */
export function withMember(ops: Op[], org: Rng, setting: Setting): void {
  const last = ops.at(-1)!;
  if (last.op === 'run' && org.chance(0.5)) ops[ops.length - 1] = { ...last, member: true };
  // A member's registration may come late or never (CloudTrail is best effort): the member's live read must find it.
  if (last.op === 'schedule' && org.chance(0.5)) ops[ops.length - 1] = { ...last, member: true, delivery: deliveryOf(org, setting) };
  if (last.op === 'reconcile' && org.chance(0.3)) ops[ops.length - 1] = { op: 'reconcile', only: org.pick(['registry', 'member'] as const) };
  if (org.chance(0.05)) ops.push({ op: org.chance(0.5) ? 'memberDown' : 'memberUp' });
}

/** In a world with a second member: a member's step may happen in the second one, whose role also goes and comes back. */
export function withSecond(ops: Op[], org2: Rng): void {
  const last = ops.at(-1)!;
  if ((last.op === 'run' || last.op === 'schedule') && last.member && org2.chance(0.5)) ops[ops.length - 1] = { ...last, second: true };
  if (org2.chance(0.04)) ops.push({ op: org2.chance(0.5) ? 'memberDown' : 'memberUp', second: true });
}

/** A Lambda step, drawn from its own stream (its deliveries too, at the world's rates). */
export function lambdaStep(functions: Rng, setting: Setting): Op {
  const fn = functions.int(0, 1);
  const where = setting.member && functions.chance(0.5) ? { member: true as const } : {};
  if (functions.chance(0.6)) return { op: 'deployFunction', fn, tag: functions.pick(TAGS), delivery: deliveryOf(functions, setting), ...where };
  return { op: 'deleteFunction', fn, all: functions.chance(0.3), delivery: deliveryOf(functions, setting), ...where };
}

/** How one event travels, at the world's rates. */
export function deliveryOf(rng: Rng, setting: Setting): Delivery {
  const r = rng.next();
  const { lost, late, twice } = setting.rates;
  return r < lost ? 'lost' : r < lost + late ? 'late' : r < lost + late + twice ? 'twice' : 'now';
}
