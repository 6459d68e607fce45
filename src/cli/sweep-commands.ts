import { randomUUID } from 'node:crypto';
import { AwsCaller } from '../adapters/aws/caller.js';
import { createAwsClients, type AwsClients } from '../adapters/aws/clients.js';
import { auditHistory } from '../app/sweep/history.js';
import type { AuditRecord } from '../app/ports.js';
import { LiveSweepAws } from '../adapters/aws/sweep-aws.js';
import { SnapshotSweepAws } from '../adapters/snapshot-sweep-aws.js';
import { readSnapshotFile } from '../snapshot/read-snapshot.js';
import { purgeRepository } from '../app/sweep/purge.js';
import { managedRepositories } from '../domain/managed-repositories.js';
import { sweep } from '../app/sweep/sweep.js';
import { runFreedBytes } from '../app/sweep/run-freed.js';
import { usdPerMonth } from '../domain/plan-summary.js';
import { LiveAccountReader } from '../adapters/aws/account-reader.js';
import type { SweepReport } from '../app/sweep/report.js';
import { outcomeOf } from '../app/sweep/act.js';
import { parseImageReference } from '../domain/image-reference.js';
import { NotFoundError, UsageError } from '../errors.js';
import { parseSince, parseTime, type Flags } from './args.js';
import { config, print, type Io } from './common.js';
import { formatBytes, table } from './render.js';
import { judging } from './delete-switch.js';
import { scopeFor, openLedger } from './sources.js';
import { shortDigest } from '../app/views.js';
import { Organization } from '../adapters/aws/organization-members.js';
import { EksClusters } from '../adapters/aws/eks-clusters.js';
import { openOrganization } from './organization-source.js';
import { openRegionClients } from './live-source.js';
import { inUseDeletionText, outsideDeletions } from '../app/undo/outside-deletion.js';
import { regionProber } from '../adapters/aws/region-probe.js';

/**
 * Each image counted by what happened to it, not by the run's default action: `deleted 3 image(s), archived 2
 * image(s), 1 already gone` (a dry run: `delete 3 image(s), archive 2 image(s)`; with `countFirst`: `3 deleted, 2 archived`).
 */
export function actionCounts(totals: { deleted: number; archived: number; alreadyGone: number }, dryRun: boolean, o: { countFirst?: boolean } = {}): string {
  const said = (n: number, verb: string) => (o.countFirst ? `${n} ${dryRun ? `would ${verb}` : verb}` : `${verb} ${n} image(s)`);
  const parts = [
    totals.deleted > 0 && said(totals.deleted, dryRun ? 'delete' : 'deleted'),
    totals.archived > 0 && said(totals.archived, dryRun ? 'archive' : 'archived'),
    !dryRun && totals.alreadyGone > 0 && `${totals.alreadyGone} already gone`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : said(0, dryRun ? 'delete' : 'deleted');
}

function renderSweep(report: SweepReport, how: { rehearsal?: string; movedClock?: boolean; freed?: { bytes: number; usdPerMonth: number } } = {}): string {
  const { deleted, archived } = report.totals;
  const verb = deleted > 0 && archived > 0 ? 'delete or archive' : archived > 0 ? 'archive' : deleted > 0 ? 'delete' : report.action;
  // --force applies only to a dry run against live AWS on the real clock.
  const next = how.rehearsal !== undefined
    ? ` This rehearsal checked against ${how.rehearsal} at ${report.now}; only a sweep against live AWS can ${verb} (drop --snapshot, and --now, then add --force).`
    : how.movedClock ? ` It was judged at ${report.now} (--now); a sweep that ${verb}s runs on the real clock (drop --now, then add --force).` : ` Run again with --force to ${verb} them.`;
  const head = report.dryRun
    ? `DRY RUN (nothing was changed): the sweep would ${actionCounts(report.totals, true)} in ${report.scope.accountId}/${report.scope.region}.${next}`
    : `Sweep ${report.runId}: ${actionCounts(report.totals, false)} in ${report.scope.accountId}/${report.scope.region}, ${report.totals.failures} failure(s).`;
  const rows = report.repositories.map((r) => [r.repositoryName, String(r.images), formatBytes(r.bytes), String(r.failures), String(r.skippedByCap)]);
  rows.push(['TOTAL', String(report.totals.images), formatBytes(report.totals.bytes), String(report.totals.failures), String(report.totals.skippedByCap)]);
  const lines = [head, '', table(['REPOSITORY', report.dryRun ? 'WOULD GO' : 'GONE', 'SIZE', 'FAILED', 'NEXT RUN'], rows, new Set([1, 2, 3, 4])), '',
    `${how.freed === undefined ? `Storage saved: up to ${report.totals.usdPerMonthSaved.toFixed(2)} USD/month (image sizes summed; the layers freed are unknown).` : `Frees ${formatBytes(how.freed.bytes)} of layers no image left names (${formatBytes(report.totals.bytes)} summed): ${how.freed.usdPerMonth.toFixed(2)} USD/month saved.`}${report.skippedByCap > 0 ? ` ${report.skippedByCap} more wait for the next run (maxDeletionsPerRun).` : ''}`
    + (report.awaitingNotice.length > 0 ? ` ${report.awaitingNotice.length} more wait for their advance notice (notice.daysAhead).` : '')];
  for (const p of report.expiredPins) lines.push(`PIN EXPIRED ${p.repositoryName}@${shortDigest(p.imageDigest)} at ${p.expiresAt}: ${p.reason} (it no longer protects)`);
  for (const u of report.unreadableClusters) lines.push(`NOT SWEPT: EKS cluster ${u.cluster} cannot be read now (${u.reason})`);
  for (const u of report.unreadableAccounts) lines.push(`NOT SWEPT ${u.repositories.join(', ')}: account ${u.accountId} can pull from them and cannot be read now (${u.reason})`);
  for (const f of report.failures) lines.push(`FAILED ${f.repositoryName}@${shortDigest(f.imageDigest)}: ${f.code} ${f.reason}`);
  const said = (i: SweepReport['images'][number]) => (report.dryRun ? `would ${i.action ?? report.action}` : i.outcome ?? outcomeOf(i.action ?? report.action));
  for (const i of [...report.images, ...report.alreadyGone]) lines.push(`${said(i)}  ${i.repositoryName}@${shortDigest(i.imageDigest)} [${i.imageTags.join(', ') || 'untagged'}]  ${i.reasons[0] ?? ''}`);
  return lines.join('\n');
}

/** Real deletions run on the real clock: it decides freshness, retention and the run lock; only rehearsals move it. */
function refuseMovedClock(flags: Flags, command: string): void {
  if (flags.force && flags.now !== undefined) throw new UsageError(`${command} --force runs on the real clock: --now is only for dry runs and rehearsals`);
}

/** `ecr-ledger sweep`: dry run by default; `--force` deletes (or archives, with `sweep.action: archive`). */
export async function sweepCommand(flags: Flags, io: Io): Promise<number> {
  const file = await config(flags);
  if (flags.snapshot !== undefined && flags.force) throw new UsageError('sweep --snapshot only rehearses (a snapshot cannot confirm what runs now): drop --force, or drop --snapshot');
  refuseMovedClock(flags, 'sweep');
  const rehearsal = flags.snapshot === undefined ? undefined : await readSnapshotFile(flags.snapshot);
  const open = await openLedger(flags);
  try {
    // One delete switch: the stack's. Against its table, a deleting run judges with what its sweep runs with.
    const { cfg, dryRun: stackDryRun, managed: managedPatterns, source, fromStack } = await judging(flags, open, file);
    if (flags.force && stackDryRun && !flags['override-dry-run']) {
      const says = fromStack ? 'the stack\'s sweep runs as a dry run (its config says sweep.dryRun: true)' : 'the config says sweep.dryRun: true (the deployed sweep deletes nothing)';
      throw new UsageError(`${says}: this sweep deletes nothing either. Set sweep.dryRun: false, or give --override-dry-run to delete from here anyway`);
    }
    // A deleting run says which rules it judges with, and where it may delete.
    if (flags.force && !flags.quiet) io.err(`judging with ${source}${managedPatterns ? `; deleting only in ${managedPatterns.join(', ')}` : ''}`);
    // The stack's managed repositories: the CLI deletes nowhere the stack may not.
    const managed = managedPatterns ? managedRepositories(managedPatterns.join(',')) : undefined;
    const scope = rehearsal?.scope ?? (await scopeFor(open.ledger, flags, io));
    const clients = rehearsal ? undefined : (io.aws ?? createAwsClients)({ region: scope.region, ...(flags.profile !== undefined && { profile: flags.profile }) });
    try {
      const aws = rehearsal ? new SnapshotSweepAws(rehearsal, flags.snapshot!) : new LiveSweepAws(clients!, new AwsCaller(), scope, cfg, () => io.clock());
      // A rehearsal judges at the snapshot's capture time unless told otherwise (docs/cli.md).
      const moved = flags.now === undefined ? rehearsal?.capturedAt : parseTime(flags.now, '--now');
      const clock = () => (moved === undefined ? io.clock() : new Date(moved));
      // Organisation-wide, the live check also reads every member account that can pull from the candidates' repositories.
      const org = cfg.organization && !rehearsal ? openOrganization(flags, cfg, scope, io.organization) : undefined;
      try {
        const members = org && new Organization(cfg, scope, org.access, () => org.discover(), () => io.clock());
        const clusters = !rehearsal && cfg.eks.clusters.length > 0 ? new EksClusters(clients!, new AwsCaller(), cfg.eks.clusters) : undefined;
        const deletions = outsideDeletions({ index: () => open.index(), store: open.sweep, config: cfg, tell: async (d) => io.err(`warning: ${inUseDeletionText(d)}`) });
        const report = await sweep({ store: open.sweep, events: open.events, announcements: open.announcements, runs: open.runs, aws, config: cfg, clock, warn: (m) => io.err(`warning: ${m}`), index: open.index(), deletions, ...(members && { members }), ...(clusters && { clusters }), ...(managed && { managed }) },
          scope, { dryRun: !flags.force, runId: randomUUID(), ...(rehearsal && { rehearsal: true }) });
        // What the run freed: its deleted images' layers no image left in the registry names (kept with the run).
        const freed = runFreedBytes(report, rehearsal ? rehearsal.images : (await open.ledger.load(scope)).facts.images);
        if (freed) await open.runs.annotate(report.runId, freed);
        const shown = {
          ...report, images: report.images.map(({ layers: _layers, ...image }) => image),
          totals: { ...report.totals, ...(freed && { bytesFreed: freed.bytesFreed }) }, ...(freed && { bytesFreedByRepository: freed.bytesFreedByRepository }),
        };
        print(io, flags, shown, () => renderSweep(report, { ...(flags.snapshot !== undefined && { rehearsal: flags.snapshot }), movedClock: flags.now !== undefined, ...(freed && { freed: { bytes: freed.bytesFreed, usdPerMonth: usdPerMonth(freed.bytesFreed, cfg.pricing) } }) }));
        return report.failures.length > 0 ? 5 : 0;
      } finally {
        org?.access.destroy();
      }
    } finally {
      clients?.destroy();
    }
  } finally {
    await open.close();
  }
}

const STATUS_WORDS: Record<AuditRecord['status'], string> = { pending: 'PENDING', deleted: 'deleted', archived: 'archived', 'already-gone': 'already gone (ECR no longer held it)', failed: 'FAILED', 'not-deleted': 'not deleted', restored: 'restored', 'deleted-elsewhere': 'DELETED OUTSIDE ecr-ledger' };

function renderHistory(records: readonly AuditRecord[]): string {
  if (records.length === 0) return 'No deletions recorded.';
  return records.map((r) => {
    const confirmed = r.confirmedBy ? ` (its run died; confirmed by ${r.confirmedBy})` : '';
    const failure = r.failure ? `\n    ECR: ${r.failure.code} ${r.failure.reason}` : '';
    const by = r.requestedBy ? ` (asked by ${r.requestedBy})` : '';
    return `${r.at}  ${STATUS_WORDS[r.status]}  ${r.repositoryName}@${shortDigest(r.imageDigest)} [${r.imageTags.join(', ') || 'untagged'}]  ${formatBytes(r.imageSizeInBytes)}  run ${r.runId}${by}${confirmed}${failure}\n    ${r.reasons.join('\n    ')}`;
  }).join('\n');
}

/** `ecr-ledger history [IMAGE] [--since ISO]`: the audit trail of the sweep, with what dead runs left settled first. */
export async function historyCommand(flags: Flags, positionals: readonly string[], io: Io): Promise<number> {
  if (positionals.length > 1) throw new UsageError('history takes at most one IMAGE');
  const image = positionals[0];
  const ref = image === undefined ? undefined : parseImageReference(image, 'query');
  const since = flags.since === undefined ? undefined : parseSince(flags.since, io.clock());
  const cfg = await config(flags);
  const open = await openLedger(flags);
  let clients: AwsClients | undefined;
  try {
    const scope = await scopeFor(open.ledger, flags, io, image);
    const aws = () => {
      clients ??= (io.aws ?? createAwsClients)({ region: scope.region, ...(flags.profile !== undefined && { profile: flags.profile }) });
      return new LiveSweepAws(clients, new AwsCaller(), scope, cfg, () => io.clock());
    };
    const all = await auditHistory({ store: open.sweep, events: open.events, config: cfg, aws, warn: (m) => io.err(`warning: ${m}`) },
      scope, { now: io.clock().toISOString(), by: 'history', ...(since && { since }) });
    const records = all.filter((r) => !ref || (r.repositoryName === ref.repositoryName && (ref.digest ? r.imageDigest === ref.digest : ref.tag === undefined || r.imageTags.includes(ref.tag))));
    if (image !== undefined && records.length === 0) throw new NotFoundError(`no deletion or archive of ${image} is recorded in ${scope.accountId}/${scope.region}`);
    print(io, flags, { records }, () => renderHistory(records));
    return 0;
  } finally {
    clients?.destroy();
    await open.close();
  }
}

/** `ecr-ledger purge-repository REPO [--force]`: empties a repository about to be deleted; refuses if an image is in use. */
export async function purgeCommand(flags: Flags, positionals: readonly string[], io: Io): Promise<number> {
  if (positionals.length !== 1) throw new UsageError('purge-repository takes one REPOSITORY name');
  const repositoryName = positionals[0]!;
  refuseMovedClock(flags, 'purge-repository');
  const cfg = await config(flags);
  const open = flags.ledger !== undefined || flags.table !== undefined ? await openLedger(flags) : undefined;
  // The ECR clients call the scope's region (a --scope of another region is another registry), else --region or the default.
  const named = open ? await scopeFor(open.ledger, flags, io) : undefined;
  const region = named?.region ?? flags.region;
  const clients = (io.aws ?? createAwsClients)({ ...(region !== undefined && { region }), ...(flags.profile !== undefined && { profile: flags.profile }) });
  const regions = openRegionClients(flags, io);
  let org: ReturnType<typeof openOrganization> | undefined;
  try {
    const scope = named ?? await new LiveAccountReader(clients, { scope: cfg.scope, clock: () => io.clock() }).scope();
    // A scope the ledger does not hold reads as empty: its other scopes, probes and pins still count.
    const held = open && await open.ledger.load(scope);
    const ledger = open && held && { facts: held.facts, history: held.history, store: open.sweep, events: open.events, index: open.index(), announcements: open.announcements };
    // Without a ledger, the account's regions are probed now: one running workloads could pull from here.
    const probe = regionProber({ from: scope.region, clientsIn: (_account, r) => (r === scope.region ? clients : regions.clientsIn(r)), caller: new AwsCaller(), now: () => io.clock(), scope: cfg.scope });
    const clusters = cfg.eks.clusters.length > 0 ? new EksClusters(clients, new AwsCaller(), cfg.eks.clusters) : undefined;
    // Organisation-wide, the members that can pull from the repository are read live, as the sweep reads them.
    org = cfg.organization && ledger ? openOrganization(flags, cfg, scope, io.organization) : undefined;
    const members = org && new Organization(cfg, scope, org.access, () => org!.discover(), () => io.clock());
    const report = await purgeRepository({
      aws: new LiveSweepAws(clients, new AwsCaller(), scope, cfg, () => io.clock()), config: cfg, clock: () => io.clock(), ...(ledger ? { ledger } : { probe: () => probe(scope.accountId, []) }), ...(clusters && { clusters }), ...(members && { members }),
    }, scope, repositoryName, { dryRun: !flags.force, runId: randomUUID() });
    print(io, flags, report, () => [
      report.dryRun
        ? `DRY RUN: nothing in ${repositoryName} is in use; --force would delete its ${report.images.length} image(s).`
        : `Purged ${repositoryName}: ${report.images.length} image(s) deleted, ${report.failures.length} failure(s).`,
      ...report.failures.map((f) => `FAILED ${f.repositoryName}@${shortDigest(f.imageDigest)}: ${f.code} ${f.reason}`),
    ].join('\n'));
    return report.failures.length > 0 ? 5 : 0;
  } finally {
    org?.access.destroy();
    clients.destroy();
    regions.close();
    await open?.close();
  }
}
