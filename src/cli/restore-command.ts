import { restoreCostUsd } from '../domain/plan-summary.js';
import { randomUUID } from 'node:crypto';
import { AwsCaller } from '../adapters/aws/caller.js';
import { createAwsClients } from '../adapters/aws/clients.js';
import { LiveSweepAws } from '../adapters/aws/sweep-aws.js';
import { restoreImages, type RestoredImage, type RestoreTarget } from '../app/undo/restore.js';
import { shortDigest } from '../app/views.js';
import { formatBytes } from '../domain/bytes.js';
import { parseImageReference } from '../domain/image-reference.js';
import { NotFoundError, UsageError } from '../errors.js';
import type { Flags } from './args.js';
import { config, print, type Io } from './common.js';
import { scopeFor, openLedger } from './sources.js';

/**
 * `ecr-ledger restore (IMAGE... | --run RUN_ID) (--ledger DIR | --table NAME) [--force]`: archived images back to the
 * standard storage class (they answer pulls again once ACTIVE); a dry run unless --force. Exit 0, 3 when nothing named
 * is found, 5 when a restore failed.
 */
export async function restoreCommand(flags: Flags, positionals: readonly string[], io: Io): Promise<number> {
  if ((positionals.length > 0) === (flags.run !== undefined)) throw new UsageError('restore takes IMAGE... or --run RUN_ID (one of them)');
  const cfg = await config(flags);
  const open = await openLedger(flags);
  try {
    let targets: RestoreTarget[];
    let scope;
    if (flags.run !== undefined) {
      const run = await open.runs.run(flags.run, io.clock().toISOString());
      if (!run) throw new NotFoundError(`no run ${flags.run} is recorded in ${open.describe}`);
      scope = run.summary.scope;
      targets = run.images.filter((i) => i.action === 'archive' && !i.failed && (i.outcome === undefined || i.outcome === 'archived')).map((i) => ({ repositoryName: i.repositoryName, imageDigest: i.imageDigest }));
      if (run.summary.mode !== 'deleting' || targets.length === 0) throw new NotFoundError(`run ${flags.run} archived nothing (${run.summary.mode}, ${run.summary.action})`);
    } else {
      scope = await scopeFor(open.ledger, flags, io, positionals[0]);
      targets = positionals.map((text) => {
        const ref = parseImageReference(text, 'query');
        if (ref.kind !== 'ecr') throw new UsageError(`${text} is not an ECR image`);
        return { repositoryName: ref.repositoryName, ...(ref.digest ? { imageDigest: ref.digest } : { tag: ref.tag ?? 'latest' }) };
      });
    }
    const clients = (io.aws ?? createAwsClients)({ region: scope.region, ...(flags.profile !== undefined && { profile: flags.profile }) });
    try {
      const aws = new LiveSweepAws(clients, new AwsCaller(), scope, cfg, () => io.clock());
      const by = await aws.callerArn();
      const runId = `restore-${randomUUID()}`;
      const images = await restoreImages({ aws, config: cfg, clock: () => io.clock(), store: open.sweep, events: open.events }, scope, targets,
        { dryRun: !flags.force, runId, by, reasons: [flags.run !== undefined ? `restored with the images run ${flags.run} archived` : 'restored on request'] });
      // What ECR charges for it (config pricing.restoreUsdPerGb), said before --force and after.
      const restoring = images.filter((i) => i.status === 'would restore' || i.status === 'restored');
      const bytes = restoring.reduce((n, i) => n + (i.imageSizeInBytes ?? 0), 0);
      const cost = { bytes, usd: restoreCostUsd(bytes, cfg.pricing), usdPerGb: cfg.pricing.restoreUsdPerGb };
      print(io, flags, { dryRun: !flags.force, scope, runId, images, cost }, () => renderRestore(images, !flags.force, cost));
      if (images.some((i) => i.status === 'failed')) return 5;
      return images.every((i) => i.status === 'not found') ? 3 : 0;
    } finally {
      clients.destroy();
    }
  } finally {
    await open.close();
  }
}

function renderRestore(images: readonly RestoredImage[], dryRun: boolean, cost: { bytes: number; usd: number; usdPerGb: number }): string {
  const lines = images.map((i) => `${i.status.toUpperCase().padEnd(17)} ${i.repositoryName}${i.imageDigest ? `@${shortDigest(i.imageDigest)}` : ''} [${i.imageTags.join(', ') || 'untagged'}]${i.with ? `  with ${shortDigest(i.with)} (its family: an index's child or an artifact)` : ''}${i.reason ? `  ${i.reason}` : ''}`);
  const would = images.filter((i) => i.status === 'would restore').length;
  const price = `${formatBytes(cost.bytes)}, about ${cost.usd.toFixed(2)} USD at ${cost.usdPerGb} USD/GB restored`;
  if (dryRun) lines.unshift(`DRY RUN (nothing was changed): ${would} archived image(s) would be restored (${price}). Run again with --force to restore them.`);
  else if (cost.bytes > 0) lines.push('', `Restoring costs ${price}.`);
  else lines.push('', 'A restored image answers pulls once ECR has moved it back (ACTIVATING, then ACTIVE: minutes to hours).');
  return lines.join('\n');
}
