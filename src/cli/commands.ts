import { organizationScopes } from '../app/organization.js';
import { scopeKey } from '../domain/facts.js';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { reachJson } from '../domain/reach.js';
import { explainImages } from '../app/explain.js';
import { neverReconciled } from '../app/ledger-view.js';
import { explainFromIndex } from '../app/explain-index.js';
import type { UsageIndex } from '../app/usage-index.js';
import { imageKey, type Scope } from '../domain/facts.js';
import type { Announcement } from '../app/ports.js';
import { planReport, type FactView } from '../app/plan.js';
import { expiryOf, listPins, pinImage, unpinImage } from '../app/pins.js';
import { findImages } from '../app/find-images.js';
import { shortDigest } from '../app/views.js';
import { reconcileLedger } from '../app/reconcile.js';
import { imageView } from '../app/views.js';
import { whoUses, whoUsesFromIndex } from '../app/who-uses.js';
import { staleReferrerWarnings } from '../app/usage-reports.js';
import type { Config } from '../config.js';
import { staleness } from '../domain/freshness.js';
import { inUseDeletionText, outsideDeletions } from '../app/undo/outside-deletion.js';
import { UsageError } from '../errors.js';
import { readSnapshotFile } from '../snapshot/read-snapshot.js';
import { AwsCaller } from '../adapters/aws/caller.js';
import { createAwsClients, type AwsClients } from '../adapters/aws/clients.js';
import { LiveLookups } from '../adapters/aws/lookups.js';
import type { Flags } from './args.js';
import { config, nowOf, print, type Io } from './common.js';
import { liveReconcileCommand } from './live-commands.js';
import { reportWarnings } from './live-source.js';
import { renderExplanation, renderPlan, renderWhoUses, table } from './render.js';
import { scopeFor, openLedger, readFactView, type OpenLedger } from './sources.js';





function requireImage(positionals: readonly string[], command: string): string {
  if (positionals.length !== 1) throw new UsageError(`${command} takes one IMAGE (repo:tag, repo@sha256:… or a full image URI)`);
  return positionals[0]!;
}

export async function reconcileCommand(flags: Flags, io: Io): Promise<number> {
  if (flags.snapshot === undefined) return liveReconcileCommand(flags, io);
  // A directory holds one snapshot per scope (`snapshot --organization`): each scope is reconciled on its own.
  const files = await snapshotFiles(flags.snapshot);
  const cfg = await config(flags);
  const loaded = [];
  for (const file of files) loaded.push({ file, facts: await readSnapshotFile(file) });
  const open = await openLedger(flags, { create: true });
  try {
    // --now stands for the time of the run (demos, rehearsals): the watermark says the reconcile finished then.
    const clock = () => new Date(nowOf(flags, io));
    const deletions = outsideDeletions({ index: () => open.index(), store: open.sweep, config: cfg, tell: async (d) => io.err(`warning: ${inUseDeletionText(d)}`) });
    const results = await sequentially(loaded, async ({ file, facts }) => ({
      file, scope: facts.scope, capturedAt: facts.capturedAt, ...(await reconcileLedger({ ledger: open.ledger, clock, deletions }, { facts, config: cfg, source: `snapshot ${file}` })),
    }));
    // A scope is as fresh as its picture: an old one is loaded, and stays stale (the sweep treats it as unreadable).
    for (const r of results) {
      const stale = staleness({ capturedAt: r.capturedAt, reconciledAt: clock().toISOString() }, cfg.sweep.maxLedgerAgeHours, clock().toISOString());
      if (stale) io.err(`warning: ${r.scope.accountId}/${r.scope.region} from ${r.file} is loaded but stale: ${stale}. A sweep treats it as unreadable until a newer picture is loaded (snapshot it again, or reconcile live).`);
    }
    const line = (r: (typeof results)[number]) => `Reconciled ${r.scope.accountId}/${r.scope.region} from ${r.file} into ${open.describe}: ` +
      `${r.images} images (${r.unprotected} unprotected), ${r.written} items written, ${r.unchanged} unchanged, ${r.removed} removed.`;
    if (results.length === 1 && files[0] === flags.snapshot) {
      const { file: _file, ...one } = results[0]!;
      print(io, flags, one, () => line(results[0]!));
    } else {
      // A directory of an organisation's snapshots: the configured scopes it has no picture of, said once (a plan keeps
      // whole what their workloads could pull, and would otherwise look as if nothing needed deleting).
      const held = new Set([...results.map((r) => scopeKey(r.scope)), ...(await open.ledger.scopes()).map(scopeKey)]);
      const home = results[0]!.scope;
      const missingScopes = cfg.organization && 'accounts' in cfg.organization ? organizationScopes(cfg, home).filter((s) => !held.has(scopeKey(s))) : [];
      if (missingScopes.length > 0) {
        const named = missingScopes.map((s) => `${s.accountId}/${s.region}`);
        io.err(`warning: the config names ${named.length} account/region pair(s) that ${flags.snapshot} has no snapshot of and the ledger does not hold: ${named.slice(0, 5).join(', ')}${named.length > 5 ? ` and ${named.length - 5} more` : ''}. A plan keeps whole every repository they could pull from until they are loaded (snapshot --organization, or reconcile live).`);
      }
      print(io, flags, { scopes: results, missingScopes }, () => results.map(line).join('\n'));
    }
    return 0;
  } finally {
    await open.close();
  }
}

/** Each item in turn (one ledger, one scope at a time). */
async function sequentially<T, R>(items: readonly T[], f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const item of items) out.push(await f(item));
  return out;
}

/** The snapshot files `--snapshot` names: the file, or every `.json` file of a directory (sorted). */
async function snapshotFiles(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isDirectory()) return [path];
  const files = (await readdir(path)).filter((f) => f.endsWith('.json')).sort().map((f) => join(path, f));
  if (files.length === 0) throw new UsageError(`${path}: a directory with no snapshot (*.json) in it`);
  return files;
}

/** Reads the source a read-only command names, evaluates with the config and the clock, and closes the source. */
async function withFactView<T>(flags: Flags, io: Io, image: string | undefined, evaluate: (view: FactView, cfg: Config, now: string) => T): Promise<T> {
  const cfg = await config(flags);
  const source = await readFactView(flags, image, { io, config: cfg });
  try {
    return evaluate(source.view, cfg, nowOf(flags, io, source.defaultNow));
  } finally {
    await source.close();
  }
}

export async function planCommand(flags: Flags, io: Io): Promise<number> {
  const report = await withFactView(flags, io, undefined, planReport);
  reportWarnings(io, report.warnings);
  print(io, flags, report, () => renderPlan(report));
  return 0;
}

export async function whoUsesCommand(flags: Flags, positionals: readonly string[], io: Io): Promise<number> {
  const image = requireImage(positionals, 'who-uses');
  const report = flags.ledger !== undefined || flags.table !== undefined
    ? await fromLedgerIndex(flags, io, image, 'who-uses', async (index, scope, cfg, now, open) => {
      const found = await whoUsesFromIndex(index, image, scope, cfg, now);
      const warnings = await staleReferrerWarnings(open.reports, found.images.flatMap((i) => i.referrers), cfg, now);
      reportWarnings(io, warnings);
      return warnings.length > 0 ? { ...found, warnings } : found;
    })
    : await withFactView(flags, io, image, (view, cfg, now) => whoUses(view, image, cfg, now));
  print(io, flags, report, () => renderWhoUses(report));
  return 0;
}

/** who-uses and explain over a ledger read its index (bounded Queries), never the whole scope. */
async function fromLedgerIndex<T>(flags: Flags, io: Io, image: string, what: string, run: (index: UsageIndex, scope: Scope, cfg: Config, now: string, open: OpenLedger) => Promise<T>): Promise<T> {
  const cfg = await config(flags);
  const open = await openLedger(flags);
  try {
    const scope = await scopeFor(open.ledger, flags, io, image);
    if (!(await open.ledger.watermark(scope))) reportWarnings(io, [neverReconciled(scope)]);
    const index = open.index();
    const result = await run(index, scope, cfg, nowOf(flags, io), open);
    if (flags.debug) io.err(`${what} read ${index.counts.items} item(s) in ${index.counts.requests} request(s)`);
    return result;
  } finally {
    await open.close();
  }
}

export async function explainCommand(flags: Flags, positionals: readonly string[], io: Io): Promise<number> {
  const image = requireImage(positionals, 'explain');
  const { planned, announced } = flags.ledger !== undefined || flags.table !== undefined
    ? await fromLedgerIndex(flags, io, image, 'explain', async (index, scope, cfg, now, open) => {
      const found = await explainFromIndex(index, image, scope, cfg, now);
      // With advance notice, when each image was announced for deletion (the sweep waits notice.daysAhead days after).
      return { planned: found, announced: await open.announcements.announcements(scope, found.map((p) => p.image)) };
    })
    : { planned: await withFactView(flags, io, image, (view, cfg, now) => explainImages(view, image, cfg, now)), announced: new Map<string, Announcement>() };
  const announcementOf = (p: (typeof planned)[number]) => announced.get(imageKey(p.image.repositoryName, p.image.imageDigest));
  const json = { query: image, images: planned.map((p) => ({ ...imageView(p), ...(p.unreferencedSince && { unreferencedSince: p.unreferencedSince }), ...(announcementOf(p) && { announcement: announcementOf(p) }), ...(p.reach && { reach: reachJson(p.reach) }), ...(p.freed && { freed: p.freed }) })) };
  print(io, flags, json, () => planned.map((p) => renderExplanation(p, announcementOf(p))).join('\n\n'));
  return 0;
}

export async function pinCommand(flags: Flags, positionals: readonly string[], io: Io, unpin: boolean): Promise<number> {
  const image = requireImage(positionals, unpin ? 'unpin' : 'pin');
  if (!unpin && (flags.reason === undefined || flags.reason.trim() === '')) throw new UsageError('pin needs --reason TEXT: say who uses the image (e.g. "EKS deployment api in cluster prod")');
  const open = await openLedger(flags);
  let clients: AwsClients | undefined;
  try {
    const scope = await scopeFor(open.ledger, flags, io, image);
    const { facts } = await open.ledger.load(scope);
    if (unpin && flags.expires !== undefined) throw new UsageError('unpin does not take --expires');
    if (unpin) {
      const pins = await unpinImage({ ledger: open.ledger, clock: io.clock }, facts, image, flags.reason);
      print(io, flags, { unpinned: pins }, () => pins.map((p) => `Unpinned ${p.repositoryName}@${p.imageDigest}: ${p.reason}`).join('\n'));
      return 0;
    }
    // A tag is resolved in ECR now (it may have moved since the ledger saw it); the ledger's tag only when ECR cannot be asked.
    clients = (io.aws ?? createAwsClients)({ region: scope.region, ...(flags.profile !== undefined && { profile: flags.profile }) });
    const lookups = new LiveLookups(clients, new AwsCaller({ retries: 2 }), scope, (m) => io.err(`warning: ${m}`));
    const { pins, note } = await pinImage({
      ledger: open.ledger, clock: io.clock, liveTag: (repositoryName, tag) => lookups.taggedDigest(repositoryName, tag),
      tagSeenAt: async (repositoryName, tag) => (await open.events.getFact(scope, 'tag', `${repositoryName}:${tag}`))?.observedAt,
    }, facts, image, flags.reason!, flags.expires === undefined ? undefined : expiryOf(flags.expires, io.clock()));
    if (note?.includes("resolved from the ledger's tag")) io.err(`warning: ${note}`);
    print(io, flags, { pinned: pins, ...(note !== undefined && { note }) }, () =>
      [...pins.map((p) => `Pinned ${p.repositoryName}@${p.imageDigest}: ${p.reason}${p.expiresAt ? ` (until ${p.expiresAt})` : ''}`), ...(note?.includes('resolved in ECR now') ? [`(${note})`] : [])].join('\n'));
    return 0;
  } finally {
    clients?.destroy();
    await open.close();
  }
}

/** `pins [IMAGE]`: every pin of the scope (or of one image), with its reason, expiry and whether it still protects. */
export async function pinsCommand(flags: Flags, positionals: readonly string[], io: Io): Promise<number> {
  const open = await openLedger(flags);
  try {
    const scope = await scopeFor(open.ledger, flags, io, positionals[0]);
    const { facts } = await open.ledger.load(scope);
    const wanted = positionals[0] === undefined ? undefined : new Set(findImages(facts, positionals[0]).map((i) => imageKey(i.repositoryName, i.imageDigest)));
    const pins = listPins(facts, io.clock().toISOString()).filter((p) => !wanted || wanted.has(imageKey(p.repositoryName, p.imageDigest)));
    print(io, flags, { scope, pins }, () => pins.length === 0 ? 'No pins.' : table(['IMAGE', 'TAGS', 'REASON', 'PINNED', 'EXPIRES', 'STATUS'],
      pins.map((p) => [`${p.repositoryName}@${shortDigest(p.imageDigest)}`, p.imageTags.join(',') || '<untagged>', p.reason, p.pinnedAt, p.expiresAt ?? 'never', p.expired ? 'EXPIRED' : 'protects'])));
    return 0;
  } finally {
    await open.close();
  }
}
