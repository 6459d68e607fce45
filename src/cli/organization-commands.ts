import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AwsCaller } from '../adapters/aws/caller.js';
import { readLiveFacts } from '../app/live.js';
import { AwsReadError, UsageError } from '../errors.js';
import { LiveAccountReader } from '../adapters/aws/account-reader.js';
import { organizationScopes, reconcileOrganization, type ScopeOutcome } from '../app/organization.js';
import type { Config } from '../config.js';
import type { Flags } from './args.js';
import { print, type Io } from './common.js';
import { openLiveReader, progressReporter } from './live-source.js';
import { openOrganization } from './organization-source.js';
import { openLedger } from './sources.js';
import { reconcileClusters } from '../app/clusters.js';
import { EksClusters } from '../adapters/aws/eks-clusters.js';
import type { Scope } from '../domain/facts.js';
import { regionProber } from '../adapters/aws/region-probe.js';
import { recordRegionProbes } from '../app/usage/region-probe.js';

const id = (o: ScopeOutcome) => `${o.scope.accountId}/${o.scope.region}`;

/**
 * `reconcile` with `organization` in the config: the caller's own scope and every member scope, each read through
 * the member's reader role and reconciled on its own; progress per account on stderr; exit 5 if any scope failed.
 */
export async function organizationReconcileCommand(flags: Flags, io: Io, cfg: Config): Promise<number> {
  const open = await openLedger(flags, { create: true });
  const own = openLiveReader(flags, io, cfg);
  try {
    const home = await own.reader.scope();
    const org = openOrganization(flags, cfg, home, io.organization);
    try {
      const discovered = 'discover' in cfg.organization! ? (await org.discover()).accounts : [];
      const scopes = organizationScopes(cfg, home, discovered);
      if (!flags.quiet) io.err(`reconciling ${scopes.length} scope(s) of the organisation into ${open.describe}`);
      const outcomes = await reconcileOrganization({
        ledger: open.ledger, clock: () => io.clock(),
        readerFor: async (scope) => {
          const progress = progressReporter(io, flags.quiet);
          return new LiveAccountReader(await org.access.clients(scope), { scope: cfg.scope, evidence: cfg.evidence, clock: () => io.clock(), caller: new AwsCaller(), progress: (m) => progress(`${scope.accountId}/${scope.region}: ${m}`) });
        },
        ...(cfg.eks.clusters.length > 0 && {
          afterScope: async (scope: Scope, at: string) => (await reconcileClusters({ reports: open.reports, events: open.events, index: open.index(), clusters: new EksClusters(await org.access.clients(scope), new AwsCaller(), cfg.eks.clusters) }, scope, at)).warnings,
        }),
        onDone: (o) => io.err(o.error ? `${id(o)}: FAILED, its watermark is unchanged: ${o.error}` : `${id(o)}: reconciled, ${o.result!.images} images, ${o.result!.written} items written${o.result!.warnings.length ? `, DEGRADED (${o.result!.warnings.length} warning(s))` : ''}`),
      }, cfg, scopes);
      // Which other regions of each account run workloads (the reach of a deletion counts them).
      const caller = new AwsCaller();
      const probe = regionProber({
        from: home.region, caller, now: () => io.clock(), scope: cfg.scope,
        clientsIn: (accountId, region) => org.access.clients({ accountId, region }),
        reconciled: (accountId) => scopes.filter((s) => s.accountId === accountId).map((s) => s.region),
      });
      const probeWarnings = await recordRegionProbes({ ledger: open.ledger, probe, clock: () => io.clock() }, cfg, scopes.map((s) => s.accountId));
      for (const warning of probeWarnings) io.err(`warning: ${warning}`);
      const json = { scopes: outcomes.map((o) => (o.error ? { scope: o.scope, error: o.error } : { ...o.result! })), regionProbe: { warnings: probeWarnings, calls: Object.fromEntries([...caller.counts].sort()) } };
      const failed = outcomes.filter((o) => o.error);
      print(io, flags, json, () => `Reconciled ${outcomes.length - failed.length} of ${outcomes.length} scope(s) into ${open.describe}.${failed.length ? ` Not reconciled: ${failed.map(id).join(', ')} (see above).` : ''}`);
      return failed.length > 0 ? 5 : 0;
    } finally {
      org.access.destroy();
    }
  } finally {
    own.close();
    await open.close();
  }
}

/**
 * `snapshot --organization --config FILE --out DIR`: one snapshot per scope of the organisation (the caller's own, and
 * each member's through its reader role or its profile), written as DIR/ACCOUNT-REGION.json — an organisation-wide
 * dry run before anything central is deployed (`reconcile --snapshot DIR`, then plan, explain, who-uses, report).
 * A scope that cannot be read is named (exit 5); the others are written.
 */
export async function organizationSnapshotCommand(flags: Flags, io: Io, cfg: Config): Promise<number> {
  if (!cfg.organization) throw new UsageError('snapshot --organization needs `organization` in the config (--config FILE): the accounts, or discover: true');
  if (flags.out === undefined || flags.out === '-') throw new UsageError('snapshot --organization needs --out DIR (one file per account and region)');
  await mkdir(flags.out, { recursive: true });
  const own = openLiveReader(flags, io, cfg);
  try {
    const home = await own.reader.scope();
    const org = openOrganization(flags, cfg, home, io.organization);
    try {
      const discovered = 'discover' in cfg.organization ? (await org.discover()).accounts : [];
      const scopes = organizationScopes(cfg, home, discovered);
      const written: Array<{ scope: Scope; out: string; images: number; warnings: readonly string[] }> = [];
      const failed: Array<{ scope: Scope; error: string }> = [];
      for (const scope of scopes) {
        const name = `${scope.accountId}/${scope.region}`;
        try {
          const progress = progressReporter(io, flags.quiet);
          const reader = new LiveAccountReader(await org.access.clients(scope), { scope: cfg.scope, evidence: cfg.evidence, clock: () => io.clock(), caller: new AwsCaller(), progress: (m) => progress(`${name}: ${m}`) });
          const { facts, read } = await readLiveFacts(reader);
          const out = join(flags.out, `${scope.accountId}-${scope.region}.json`);
          await writeFile(out, `${JSON.stringify(read.snapshot, null, 2)}\n`);
          written.push({ scope, out, images: facts.images.length, warnings: read.warnings });
          io.err(`${name}: ${facts.images.length} images written to ${out}${read.warnings.length ? `, ${read.warnings.length} warning(s)` : ''}`);
        } catch (error) {
          if (!(error instanceof AwsReadError)) throw error;
          failed.push({ scope, error: (error as Error).message });
          io.err(`${name}: FAILED: ${(error as Error).message}`);
        }
      }
      print(io, flags, { out: flags.out, scopes: written, failed }, () => `Wrote ${written.length} of ${scopes.length} snapshot(s) to ${flags.out}.${failed.length ? ` Not read: ${failed.map((f) => `${f.scope.accountId}/${f.scope.region}`).join(', ')} (see above).` : ''} Next: ecr-ledger reconcile --snapshot ${flags.out} --ledger DIR`);
      return failed.length > 0 ? 5 : 0;
    } finally {
      org.access.destroy();
    }
  } finally {
    own.close();
  }
}
