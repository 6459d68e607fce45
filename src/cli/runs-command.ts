import type { RunImage, RunSummary } from '../app/sweep/run-log.js';
import { shortDigest } from '../app/views.js';
import { NotFoundError, UsageError } from '../errors.js';
import type { Flags } from './args.js';
import { parseSince } from './args.js';
import { diffRuns, type RunDiff } from '../app/sweep/run-diff.js';
import { print, type Io } from './common.js';
import { formatBytes } from './render.js';
import { actionCounts } from './sweep-commands.js';
import { scopeFor, openLedger } from './sources.js';

const DEFAULT_LIMIT = 20;

/**
 * `ecr-ledger runs [RUN_ID | latest | diff RUN_A RUN_B] (--ledger DIR | --table NAME) [--since WHEN] [--limit N]`: the
 * sweep runs the ledger recorded (dry runs, rehearsals and deleting runs), newest first; with RUN_ID (or `latest`),
 * that run's images and why; with `diff`, what RUN_B has that RUN_A had not, the reverse, and changed actions.
 */
export async function runsCommand(flags: Flags, positionals: readonly string[], io: Io): Promise<number> {
  const limit = flags.limit === undefined ? DEFAULT_LIMIT : Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit ${flags.limit}: expected a whole number of runs, at least 1`);
  const since = flags.since === undefined ? undefined : parseSince(flags.since, io.clock());
  const [first, ...rest] = positionals;
  if (first === 'diff' && rest.length !== 2) throw new UsageError('runs diff takes two run ids: runs diff RUN_A RUN_B (the older first)');
  if (first !== 'diff' && rest.length > 0) throw new UsageError(`runs takes one run id (or latest, or diff RUN_A RUN_B), got ${positionals.join(' ')}`);
  const open = await openLedger(flags);
  try {
    const now = io.clock().toISOString();
    const listed = async (count: number) => {
      const scopes = flags.scope !== undefined || flags.account !== undefined ? [await scopeFor(open.ledger, flags, io)] : await open.ledger.scopes();
      return (await Promise.all(scopes.map((scope) => open.runs.runs(scope, { ...(since && { since }), limit: count, now }))))
        .flat().sort((a, b) => b.startedAt.localeCompare(a.startedAt)).slice(0, count);
    };
    const recorded = async (runId: string) => {
      const found = await open.runs.run(runId, now);
      if (!found) throw new NotFoundError(`no run ${runId} is recorded in ${open.describe} (runs are kept as long as the audit trail: sweep.auditRetentionDays)`);
      return found;
    };
    if (first === 'diff') {
      const diff = diffRuns(await recorded(rest[0]!), await recorded(rest[1]!));
      const plain = (i: RunImage) => { const { imageSizeInBytes: _size, ...image } = i; return image; };
      print(io, flags, { ...diff, added: diff.added.map(plain), removed: diff.removed.map(plain) }, () => renderDiff(diff));
      return 0;
    }
    if (first !== undefined) {
      const latest = first === 'latest' ? (await listed(1))[0] : undefined;
      if (first === 'latest' && !latest) throw new NotFoundError(`no sweep run is recorded in ${open.describe}${since ? ` since ${since}` : ''}`);
      const found = await recorded(latest?.runId ?? first);
      print(io, flags, { ...found.summary, images: found.images.map(({ imageSizeInBytes: _size, ...image }) => image) }, () => renderRun(found.summary, found.images));
      return 0;
    }
    const runs = await listed(limit);
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
  const rows = runs.map((r) => [`${r.startedAt.slice(0, 16).replace('T', ' ')} UTC`, r.mode, `${r.scope.accountId}/${r.scope.region}`, verb(r), `${formatBytes(r.bytes)}${r.bytesFreed === undefined ? '' : ` (${formatBytes(r.bytesFreed)} freed)`}`,
    [r.failures > 0 && `${r.failures} failed`, r.keptWhole.length > 0 && `${r.keptWhole.length} kept whole`, r.unreadableScopes.length > 0 && `${r.unreadableScopes.length} unreadable`].filter(Boolean).join(', ') || '-', r.runId]);
  const head = ['STARTED', 'MODE', 'SCOPE', 'IMAGES', 'BYTES', 'NOTES', 'RUN'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells: readonly unknown[]) => cells.map((c, i) => String(c).padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), ...rows.map(line), '', 'ecr-ledger runs RUN_ID shows a run\'s images and why.'].join('\n');
}

function renderRun(run: RunSummary, images: readonly RunImage[]): string {
  const lines = [
    `Run ${run.runId} (${run.mode}) of ${run.scope.accountId}/${run.scope.region}: ${run.startedAt} to ${run.finishedAt}`,
    `${verb(run)}: ${run.images} image(s), ${formatBytes(run.bytes)} summed${run.bytesFreed === undefined ? ' (the layers freed are unknown)' : `, ${formatBytes(run.bytesFreed)} of layers freed (no image left names them)`}${run.failures > 0 ? `; ${run.failures} failed` : ''}${run.skippedByCap > 0 ? `; ${run.skippedByCap} left for the next run by maxDeletionsPerRun` : ''}${run.awaitingNotice > 0 ? `; ${run.awaitingNotice} awaiting the advance notice` : ''}`,
    ...Object.entries(run.bytesFreedByRepository ?? {}).map(([repository, bytes]) => `freed in ${repository}: ${formatBytes(bytes)}`),
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

function renderDiff(diff: RunDiff): string {
  const name = (i: { repositoryName: string; imageDigest: string; imageTags: readonly string[] }) => `${i.repositoryName}@${shortDigest(i.imageDigest)} [${i.imageTags.join(', ') || 'untagged'}]`;
  const run = (r: RunSummary) => `${r.runId} (${r.mode}, ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${r.images} image(s))`;
  return [
    `From ${run(diff.from)}`, `to   ${run(diff.to)}:`,
    `${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed action`,
    ...diff.added.map((i) => `+ ${i.action.padEnd(7)} ${name(i)}`),
    ...diff.removed.map((i) => `- ${i.action.padEnd(7)} ${name(i)}`),
    ...diff.changed.map((c) => `~ ${c.from} -> ${c.to}  ${name(c)}`),
  ].join('\n');
}
