import { deliveryOf, lambdaStep, serviceStep, TAGS, withMember, withSecond, withSnapshots } from './feature-draws.js';
import { Rng } from './rng.js';

/** How EventBridge delivers one event: at once, some steps later (reordered), twice, or never. */
export type Delivery = 'now' | 'late' | 'twice' | 'lost';

/** One thing that happens in the simulated world; referents that do not exist when it is played make it a no-op. */
export type Op =
  | { op: 'push'; tag: string }
  | { op: 'pushIndex'; tag: string }
  | { op: 'repush'; tag: string; deleteEvent: 'late' | 'lost' }
  /** The digest `from` names, pushed again (ECR still holds it) under `tag`: its PUSH event is the only news. */
  | { op: 'pushAgain'; from: string; tag: string }
  /** A task starts (in the member account, when `member`: it pulls the registry's image through the grant). */
  | { op: 'run'; tag: string; byDigest: boolean; member?: true; second?: true; delivery?: Delivery }
  | { op: 'stop'; task: number; delivery: Delivery }
  /** A scheduled task's family registered (its one revision names the image by tag or by digest): each launch pulls it. */
  /** `delivery`: how its RegisterTaskDefinition event travels (absent: at once). */
  | { op: 'schedule'; tag: string; byDigest: boolean; member?: true; second?: true; delivery?: Delivery }
  /** A schedule retired: its family's revision deregistered. */
  | { op: 'unschedule'; which: number; delivery: Delivery }
  | { op: 'forget' }
  | { op: 'pin'; tag: string; hours?: number }
  | { op: 'unpin'; tag: string }
  | { op: 'pull'; tag: string }
  | { op: 'outsideDelete'; tag: string; withTag: boolean; delivery: Delivery }
  | { op: 'outsideArchive'; tag: string; delivery: Delivery }
  | { op: 'restore'; tag: string }
  /** Someone restores an archived image outside ecr-ledger (the console): ACTIVATING until `activate`. */
  | { op: 'outsideRestore'; tag: string }
  | { op: 'activate'; tag: string; delivery: Delivery }
  | { op: 'deliver' }
  | { op: 'notice' }
  /** The daily reconcile of every scope, or (`only`) of the registry or the members: the others' ledger ages. */
  | { op: 'reconcile'; only?: 'registry' | 'member' }
  /** New image code for a Lambda function (created if new; in the member account when `member`), then a version published. */
  | { op: 'deployFunction'; fn: number; tag: string; member?: true; delivery: Delivery }
  /** A function's oldest published version deleted, or (`all`) the whole function. */
  | { op: 'deleteFunction'; fn: number; all: boolean; delivery: Delivery; member?: true }
  /** A usage source (an EKS cluster's reporter) sends the full set of images it runs now, each by tag or by digest. */
  | { op: 'report'; source: number; images: ReadonlyArray<{ tag: string; byDigest: boolean }> }
  /** The member's reader role (the second member's, with `second`) cannot be assumed (a broken StackSet, a denying SCP) until `memberUp`. */
  | { op: 'memberDown'; second?: true }
  | { op: 'memberUp'; second?: true }
  /**
   * The nightly sweep; with `fault`, its first deleting or archiving call goes wrong after ECR acted: its response is
   * lost (`lostResponse`: the run goes on), or the invocation dies before it records the response (`dies`).
   */
  | { op: 'sweep'; fault?: 'lostResponse' | 'dies' }
  /** The registry account's ECS service deploys a new revision of its family naming `tag` (or its digest now). */
  | { op: 'deployService'; tag: string; byDigest: boolean; delivery: Delivery }
  /** The service's deployment under way completes: the older deployments' tasks stop. */
  | { op: 'completeService'; delivery: Delivery }
  /** The service scales to zero tasks (it still deploys its revisions) or back to one. */
  | { op: 'scaleService'; to: 0 | 1; delivery: Delivery }
  /** Every revision of the service's family no deployment runs is deregistered. */
  | { op: 'retireRevisions'; delivery: Delivery }
  /** Someone captures a snapshot of the registry's account (`ecr-ledger snapshot`), to load later. */
  | { op: 'capture' }
  /** The last snapshot captured is loaded (`reconcile --snapshot`), however old it is by now. */
  | { op: 'loadSnapshot' }
  /** purge-repository of the registry's repository (a stack deleting it), organisation-wide when the world has a member. */
  | { op: 'purge' }
  /** A sweep during which someone deletes, outside ecr-ledger, the first image the sweep is about to delete or archive. */
  | { op: 'raceSweep'; delivery: Delivery }
  | { op: 'tick'; hours: number };

/** The world's settings, drawn per seed ("swarm": each seed turns its own mix of faults and rules on). */
export interface Setting {
  readonly graceDays: number;
  readonly minimumImageAgeHours: number;
  readonly keepPulledWithinDays: number;
  readonly action: 'delete' | 'archive';
  readonly deleteArchivedAfterDays?: number;
  readonly maxDeletionsPerRun: number;
  /** The advance notice's daysAhead, when the world announces deletions. */
  readonly notice?: number;
  readonly rates: { readonly lost: number; readonly late: number; readonly twice: number };
  /** An organisation: a member account, in the registry's region or another, whose tasks pull through a grant. */
  readonly member?: { readonly grant: 'account' | 'organization'; readonly region: string };
  /** A second member account (only with a first): the reach has two accounts to read, each of which may be down. */
  readonly second?: { readonly region: string };
  /** Lambda functions run the registry's images (in the member account too, when it is in the registry's region). */
  readonly lambda?: true;
  /** Usage sources report what they run (`report-usage`, the function URL). */
  readonly reports?: true;
  /** Now and then someone empties the repository with purge-repository (its stack is being deleted). */
  readonly purge?: true;
  /** A task's RUNNING event can be late, twice or lost too (at the world's rates), not only its STOPPED. */
  readonly unheardRuns?: true;
  /** A sweep's deleting call can lose its response, or the sweep's invocation die right after ECR acted. */
  readonly actingFaults?: true;
  /** An ECS service deploys, completes deployments (the old tasks stop) and retires revisions. */
  readonly services?: true;
  /** Snapshots are captured now and then and loaded hours later, in place of some live reconciles. */
  readonly snapshots?: true;
}

export interface Timeline {
  readonly seed: number;
  readonly setting: Setting;
  readonly ops: readonly Op[];
}


/** The world a seed makes: its setting and its timeline, each from its own stream. */
export function generate(seed: number, length = 60): Timeline {
  const root = new Rng(seed);
  const rules = root.stream('rules');
  const workload = root.stream('workload');
  const delivery = root.stream('delivery');
  const clock = root.stream('clock');
  // Its own stream, drawn only in worlds with a member: the worlds without one stay as they were before it existed.
  const org = root.stream('org');
  const org2 = root.stream('org2');
  const functions = root.stream('lambda');
  const sources = root.stream('reports');
  const purges = root.stream('purge');
  const runs = root.stream('runs');
  const mix = root.stream('mix');
  const acting = root.stream('acting');
  const pictures = root.stream('snapshots');
  const services = root.stream('services');
  const member = org.chance(0.5) ? { grant: org.pick(['account', 'organization'] as const), region: org.pick(['us-east-1', 'us-west-2']) } : undefined;
  const archive = rules.chance(0.3);
  const setting: Setting = {
    graceDays: rules.int(0, 2),
    minimumImageAgeHours: rules.pick([0, 0, 24]),
    keepPulledWithinDays: rules.pick([0, 0, 1]),
    action: archive ? 'archive' : 'delete',
    ...(archive && rules.chance(0.7) && { deleteArchivedAfterDays: rules.int(1, 2) }),
    maxDeletionsPerRun: rules.chance(0.3) ? rules.int(1, 3) : 500,
    ...(rules.chance(0.3) && { notice: rules.int(1, 2) }),
    rates: { lost: rules.pick([0, 0.05, 0.2]), late: rules.pick([0, 0.1, 0.3]), twice: rules.pick([0, 0.05, 0.1]) },
    ...(functions.chance(0.5) && { lambda: true as const }),
    ...(sources.chance(0.5) && { reports: true as const }),
    ...(purges.chance(0.3) && { purge: true as const }),
    ...(runs.chance(0.3) && { unheardRuns: true as const }),
    ...(acting.chance(0.3) && { actingFaults: true as const }),
    ...(pictures.chance(0.3) && { snapshots: true as const }),
    ...(services.chance(0.4) && { services: true as const }),
    ...(member && { member }),
    ...(member && org2.chance(0.5) && { second: { region: org2.pick(['us-east-1', 'us-west-2']) } }),
  };
  const deliver = (): Delivery => {
    const r = delivery.next();
    if (r < setting.rates.lost) return 'lost';
    if (r < setting.rates.lost + setting.rates.late) return 'late';
    if (r < setting.rates.lost + setting.rates.late + setting.rates.twice) return 'twice';
    return 'now';
  };
  const weights = swarmed(WEIGHTS, mix);
  const tag = () => workload.pick(TAGS.slice(0, 3));
  const indexTag = () => workload.pick(TAGS.slice(3));
  const ops: Op[] = [{ op: 'push', tag: 'v1' }, { op: 'reconcile' }];
  while (ops.length < length) {
    const kind = workload.weighted(weights);
    const any = () => (workload.chance(0.25) ? indexTag() : tag());
    switch (kind) {
      case 'push': ops.push({ op: 'push', tag: tag() }); break;
      case 'pushIndex': ops.push({ op: 'pushIndex', tag: indexTag() }); break;
      case 'repush': ops.push({ op: 'repush', tag: any(), deleteEvent: workload.chance(0.5) ? 'late' : 'lost' }); break;
      case 'pushAgain': ops.push({ op: 'pushAgain', from: tag(), tag: tag() }); break;
      case 'run': ops.push({ op: 'run', tag: any(), byDigest: workload.chance(0.3) }); break;
      case 'stop': ops.push({ op: 'stop', task: workload.int(0, 2), delivery: deliver() }); break;
      case 'schedule': ops.push({ op: 'schedule', tag: any(), byDigest: workload.chance(0.3) }); break;
      case 'unschedule': ops.push({ op: 'unschedule', which: workload.int(0, 1), delivery: deliver() }); break;
      case 'pin': ops.push({ op: 'pin', tag: any(), ...(workload.chance(0.5) && { hours: workload.int(1, 48) }) }); break;
      case 'unpin': ops.push({ op: 'unpin', tag: any() }); break;
      case 'pull': ops.push({ op: 'pull', tag: any() }); break;
      case 'outsideDelete': ops.push({ op: 'outsideDelete', tag: any(), withTag: workload.chance(0.5), delivery: deliver() }); break;
      case 'outsideArchive': ops.push({ op: 'outsideArchive', tag: any(), delivery: deliver() }); break;
      case 'restore': ops.push({ op: 'restore', tag: any() }); break;
      case 'outsideRestore': ops.push({ op: 'outsideRestore', tag: any() }); break;
      case 'activate': ops.push({ op: 'activate', tag: any(), delivery: deliver() }); break;
      case 'tick': ops.push({ op: 'tick', hours: clock.pick([1, 1, 2, 6, 12, 24, 30]) }); break;
      case 'raceSweep': ops.push({ op: 'raceSweep', delivery: deliver() }); break;
      default: ops.push({ op: kind } as Op);
    }
    const drawn = ops.at(-1)!;
    if (setting.unheardRuns && drawn.op === 'run') ops[ops.length - 1] = { ...drawn, delivery: deliveryOf(runs, setting) };
    if (setting.actingFaults && drawn.op === 'sweep' && acting.chance(0.3)) ops[ops.length - 1] = { op: 'sweep', fault: acting.pick(['lostResponse', 'dies'] as const) };
    if (setting.snapshots) withSnapshots(ops, pictures);
    if (setting.services && services.chance(0.15)) ops.push(serviceStep(services, setting));
    if (setting.member) withMember(ops, org, setting);
    if (setting.second) withSecond(ops, org2);
    if (setting.lambda && functions.chance(0.1)) ops.push(lambdaStep(functions, setting));
    if (setting.purge && purges.chance(0.04)) ops.push({ op: 'purge' });
    if (setting.reports && sources.chance(0.08)) {
      const images = TAGS.filter(() => sources.chance(0.3)).map((tag) => ({ tag, byDigest: sources.chance(0.5) }));
      ops.push({ op: 'report', source: sources.int(0, 1), images });
    }
  }
  // Nights at the end, so that what nothing uses any more has time to go (the liveness figure).
  if (setting.member) ops.push({ op: 'memberUp' });
  if (setting.second) ops.push({ op: 'memberUp', second: true });
  for (let night = 0; night < 6; night += 1) ops.push({ op: 'tick', hours: 24 }, { op: 'deliver' }, { op: 'reconcile' }, { op: 'notice' }, { op: 'sweep' });
  return { seed, setting, ops };
}

const WEIGHTS = {
  push: 3, pushIndex: 1, repush: 1, pushAgain: 1, run: 3, stop: 3, schedule: 1, unschedule: 1, forget: 2, pin: 1, unpin: 1, pull: 1, outsideDelete: 1, outsideArchive: 2,
  restore: 2, outsideRestore: 1, activate: 1, deliver: 2, notice: 2, reconcile: 3, sweep: 4, raceSweep: 1, tick: 5,
} as const;
/** What every world does, however its mix is drawn: without them nothing happens, or nothing is judged. */
const ALWAYS: ReadonlySet<string> = new Set(['push', 'reconcile', 'sweep', 'tick']);

/**
 * Swarm testing (Groce et al.): in half the worlds, drawn from a stream of their own, each step is left out (one in
 * five), drawn as usual, or drawn four times as often (three in ten), so that rare shapes — re-pushes, stops read only
 * by one reader, many reconciles between forgets — come up often somewhere. The other half draw as before it existed.
 */
function swarmed<K extends string>(weights: Readonly<Record<K, number>>, mix: Rng): Record<K, number> {
  if (!mix.chance(0.5)) return { ...weights };
  return Object.fromEntries(Object.entries<number>(weights).map(([op, w]) => {
    const r = mix.next();
    return [op, ALWAYS.has(op) ? w : r < 0.2 ? 0 : r < 0.5 ? w * 4 : w];
  })) as Record<K, number>;
}
