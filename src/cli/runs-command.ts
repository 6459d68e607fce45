import type { RunImage, RunSummary } from '../app/sweep/run-log.js';
import { shortDigest } from '../app/views.js';
import { NotFoundError, UsageError } from '../errors.js';
import type { Flags } from './args.js';
import { parseTime } from './args.js';
import { print, type Io } from './common.js';
import { formatBytes } from './render.js';
import { actionCounts } from './sweep-commands.js';
import { scopeFor, openLedger } from './sources.js';

const DEFAULT_LIMIT = 20;

/**
 * `ecr-ledger runs [RUN_ID] (--ledger DIR | --table NAME) [--since ISO] [--limit N]`: the sweep runs the ledger
 * recorded (dry runs, rehearsals and deleting runs), newest first; with RUN_ID, that run's images and why.
 */
export async function runsCommand(flags: Flags, positionals: readonly string[], io: Io): Promise<number> {
  const limit = flags.limit === undefined ? DEFAULT_LIMIT : Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit ${flags.limit}: expected a whole number of runs, at least 1`);
  const since = flags.since === undefined ? undefined : parseTime(flags.since, '--since');
  const open = await openLedger(flags);
  try {
    const now = io.clock().toISOString();
    const [runId] = positionals;
    if (runId !== undefined) {
      const found = await open.runs.run(runId, now);
      if (!found) throw new NotFoundError(`no run ${runId} is recorded in ${open.describe} (runs are kept as long as the audit trail: sweep.auditRetentionDays)`);
      print(io, flags, { ...found.summary, images: found.images.map(({ imageSizeInBytes: _size, ...image }) => image) }, () => renderRun(found.summary, found.images));
      return 0;
    }
    const scopes = flags.scope !== undefined || flags.account !== undefined ? [await scopeFor(open.ledger, flags, io)] : await open.ledger.scopes();
    const runs = (await Promise.all(scopes.map((scope) => open.runs.runs(scope, { ...(since && { since }), limit, now }))))
      .flat().sort((a, b) => b.startedAt.localeCompare(a.startedAt)).slice(0, limit);
    print(io, flags, { runs }, () => renderRuns(runs));
    return 0;
  } finally {
    await open.close();
  }
}

/** Each image by its own action (older records without the split: the run's action). */
const verb = (run: RunSummary) => {
  const [deleted, archived] = run.deleted === undefined || run.archived === undefined ? (run.action === 'archive' ? [0, run.images] : [run.images, 0]) : [run.deleted, run.archived];
  return actionCounts({ deleted, archived, alreadyGone: run.alreadyGone ?? 0 }, run.mode !== 'deleting', { countFirst: true });
};

function renderRuns(runs: readonly RunSummary[]): string {
  if (runs.length === 0) return 'No sweep run recorded yet.';
  const rows = runs.map((r) => [r.startedAt.slice(0, 16).replace('T', ' '), r.mode, `${r.scope.accountId}/${r.scope.region}`, verb(r), formatBytes(r.bytes),
    [r.failures > 0 && `${r.failures} failed`, r.keptWhole.length > 0 && `${r.keptWhole.length} kept whole`, r.unreadableScopes.length > 0 && `${r.unreadableScopes.length} unreadable`].filter(Boolean).join(', ') || '-', r.runId]);
  const head = ['STARTED', 'MODE', 'SCOPE', 'IMAGES', 'BYTES', 'NOTES', 'RUN'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells: readonly unknown[]) => cells.map((c, i) => String(c).padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), ...rows.map(line), '', 'ecr-ledger runs RUN_ID shows a run\'s images and why.'].join('\n');
}

function renderRun(run: RunSummary, images: readonly RunImage[]): string {
  const lines = [
    `Run ${run.runId} (${run.mode}) of ${run.scope.accountId}/${run.scope.region}: ${run.startedAt} to ${run.finishedAt}`,
    `${verb(run)}: ${run.images} image(s), ${formatBytes(run.bytes)}${run.failures > 0 ? `; ${run.failures} failed` : ''}${run.skippedByCap > 0 ? `; ${run.skippedByCap} left for the next run by maxDeletionsPerRun` : ''}${run.awaitingNotice > 0 ? `; ${run.awaitingNotice} awaiting the advance notice` : ''}`,
    ...run.keptWhole.map((k) => `kept whole: ${k.repositoryName} (${k.why.join('; ')})`),
    ...(run.notManaged.length > 0 ? [`outside managedRepositories: ${run.notManaged.join(', ')}`] : []),
    ...(run.reportKey ? [`report: ${run.reportKey}`] : []),
    ...run.warnings.map((w) => `warning: ${w}`),
    '',
  ];
  for (const i of images) {
    const how = i.failed ? 'FAILED' : run.mode === 'deleting' ? (i.outcome ?? (i.action === 'archive' ? 'archived' : 'deleted')) : `would ${i.action}`;
    lines.push(`${how}  ${i.repositoryName}@${shortDigest(i.imageDigest)} [${i.imageTags.join(', ') || 'untagged'}]  ${formatBytes(i.imageSizeInBytes)}${i.failed ? `  ${i.failed.code} ${i.failed.reason}` : ''}`);
    lines.push(...i.reasons.map((r) => `    ${r}`));
  }
  if (images.length === 0) lines.push('No image.');
  return lines.join('\n');
}
