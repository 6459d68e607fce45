import { inUseDeletionText, outsideDeletions } from '../app/undo/outside-deletion.js';
import { writeFile } from 'node:fs/promises';
import { readLiveFacts, reconcileFromAws } from '../app/live.js';
import { reconcileClusters } from '../app/clusters.js';
import { AwsCaller } from '../adapters/aws/caller.js';
import { EksClusters } from '../adapters/aws/eks-clusters.js';
import { UsageError } from '../errors.js';
import type { Flags } from './args.js';
import { config, print, type Io } from './common.js';
import { openLiveReader, openRegionClients, reportWarnings } from './live-source.js';
import { regionProber } from '../adapters/aws/region-probe.js';
import { recordRegionProbe } from '../app/usage/region-probe.js';
import { openLedger } from './sources.js';

const totalCalls = (calls: Readonly<Record<string, number>>) => Object.values(calls).reduce((a, b) => a + b, 0);
const mergeCalls = (a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>) =>
  Object.fromEntries([...new Set([...Object.keys(a), ...Object.keys(b)])].sort().map((k) => [k, (a[k] ?? 0) + (b[k] ?? 0)]));

/** `ecr-ledger snapshot --out FILE`: reads live AWS and writes the account snapshot (`-` writes it to stdout). */
export async function snapshotCommand(flags: Flags, io: Io): Promise<number> {
  if (flags.organization) return (await import('./organization-commands.js')).organizationSnapshotCommand(flags, io, await config(flags));
  if (flags.out === undefined) throw new UsageError('snapshot needs --out FILE (or --out - for stdout)');
  const { reader, close } = openLiveReader(flags, io, await config(flags));
  try {
    const { facts, read } = await readLiveFacts(reader);
    reportWarnings(io, read.warnings);
    const text = `${JSON.stringify(read.snapshot, null, 2)}\n`;
    if (flags.out === '-') {
      io.out(text.trimEnd());
      return 0;
    }
    await writeFile(flags.out, text);
    const counts = {
      repositories: facts.repositories.length, images: facts.images.length, taskDefinitions: facts.taskDefinitions.length, services: facts.services.length,
      tasks: facts.tasks.length, lambdaFunctionVersions: facts.lambdaFunctions.length, lambdaAliases: facts.lambdaAliases.length,
    };
    print(io, flags, { scope: facts.scope, capturedAt: facts.capturedAt, out: flags.out, counts, warnings: read.warnings, calls: read.calls }, () =>
      `Wrote the snapshot of ${facts.scope.accountId}/${facts.scope.region} to ${flags.out}: ${counts.repositories} repositories, ${counts.images} images, ` +
      `${counts.taskDefinitions} task definitions, ${counts.services} services, ${counts.tasks} tasks, ${counts.lambdaFunctionVersions} Lambda versions ` +
      `(${totalCalls(read.calls)} API calls${read.warnings.length > 0 ? `, ${read.warnings.length} warning(s)` : ''}).`);
    return 0;
  } finally {
    close();
  }
}

/** `ecr-ledger reconcile` without `--snapshot`: reads live AWS into the ledger, reusing the immutable facts it holds. */
export async function liveReconcileCommand(flags: Flags, io: Io): Promise<number> {
  const cfg = await config(flags);
  if (cfg.organization) return (await import('./organization-commands.js')).organizationReconcileCommand(flags, io, cfg);
  const open = await openLedger(flags, { create: true });
  const { reader, clients, close } = openLiveReader(flags, io, cfg);
  const regions = openRegionClients(flags, io);
  try {
    const deletions = outsideDeletions({ index: () => open.index(), store: open.sweep, config: cfg, tell: async (d) => io.err(`warning: ${inUseDeletionText(d)}`) });
    const reconciled = await reconcileFromAws({ ledger: open.ledger, reader, clock: () => io.clock(), deletions }, cfg);
    // EKS clusters the config names: each read replaces its source's report (usage source eks:NAME).
    const eks = cfg.eks.clusters.length > 0
      ? await reconcileClusters({ reports: open.reports, events: open.events, index: open.index(), clusters: new EksClusters(clients, new AwsCaller(), cfg.eks.clusters) }, reconciled.scope, io.clock().toISOString())
      : undefined;
    // Which other regions run workloads (the reach of a deletion counts them).
    const caller = new AwsCaller();
    const probe = regionProber({ from: reconciled.scope.region, clientsIn: (_account, region) => (region === reconciled.scope.region ? clients : regions.clientsIn(region)), caller, now: () => io.clock(), scope: cfg.scope, reconciled: () => [reconciled.scope.region] });
    const probed = await recordRegionProbe({ ledger: open.ledger, probe, clock: () => io.clock() }, cfg, reconciled.scope.accountId);
    const result = { ...reconciled, calls: mergeCalls(reconciled.calls, Object.fromEntries(caller.counts)), warnings: [...reconciled.warnings, ...(eks?.warnings ?? []), ...probed.warnings], ...(eks && { clusters: eks.reported }) };
    reportWarnings(io, result.warnings);
    const { scope, capturedAt, warnings, calls, ...counts } = result;
    print(io, flags, { scope, capturedAt, ...counts, warnings, calls }, () =>
      `Reconciled ${scope.accountId}/${scope.region} from live AWS into ${open.describe}: ${counts.images} images (${counts.unprotected} unprotected), ` +
      `${counts.written} items written, ${counts.unchanged} unchanged, ${counts.removed} removed; ${totalCalls(calls)} API calls` +
      `${warnings.length > 0 ? `; DEGRADED, ${warnings.length} warning(s) above` : ''}.`);
    return 0;
  } finally {
    regions.close();
    close();
    await open.close();
  }
}
