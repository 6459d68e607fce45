import type { Config } from '../config.js';
import type { ReportedImageFact, Scope } from '../domain/facts.js';
import { parseImageReference } from '../domain/image-reference.js';
import { named } from '../domain/named-images.js';
import { sourceStatus, staleSourceWarning, type SourceStatus } from '../domain/usage-sources.js';
import { ImageReferenceError, UsageError } from '../errors.js';
import type { EventLedger, UsageReportStore } from './ports.js';
import type { UsageIndex } from './usage-index.js';

/** One image as a source reports it: the reference it runs or would run, and the workloads naming it. */
export interface ReportedImage {
  readonly image: string;
  readonly workloads: readonly string[];
}

export interface UsageReportResult {
  readonly source: string;
  readonly reportedAt: string;
  /** ECR images in the report (after merging duplicates). */
  readonly images: number;
  /** Images the previous report had and this one does not: released (their grace period restarts now). */
  readonly removed: number;
  readonly released: number;
  /** References to other registries (Docker Hub, public ECR, …): not ECR images this ledger can hold. */
  readonly ignored: readonly string[];
}

export interface UsageReportDeps {
  readonly reports: UsageReportStore;
  readonly events: Pick<EventLedger, 'releaseImage'>;
  readonly index: Pick<UsageIndex, 'tagged'>;
}

/** A source name as it appears in ids and messages. */
export function requireSourceName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/.test(name)) throw new UsageError(`--source ${JSON.stringify(name)}: a source name is 1-128 letters, digits, ".", "_", ":", "/" or "-", starting with a letter or digit`);
  return name;
}

/**
 * `report-usage`: the full set of images a source runs now replaces its previous set. What it no longer reports is
 * released at the report time (so the grace period counts from then); a malformed reference fails the whole report.
 */
export async function reportUsage(deps: UsageReportDeps, scope: Scope, input: { source: string; reportedAt: string; images: readonly ReportedImage[] }): Promise<UsageReportResult> {
  const source = requireSourceName(input.source);
  const merged = new Map<string, Set<string>>();
  const ignored: string[] = [];
  input.images.forEach((entry, i) => {
    let ref;
    try {
      ref = parseImageReference(entry.image, 'container');
    } catch (error) {
      if (error instanceof ImageReferenceError) throw new UsageError(`image ${i + 1} (${JSON.stringify(entry.image)}): ${error.message}`, { cause: error });
      throw error;
    }
    if (ref.kind !== 'ecr') return void ignored.push(entry.image);
    const workloads = merged.get(entry.image) ?? new Set<string>();
    entry.workloads.forEach((w) => workloads.add(w));
    merged.set(entry.image, workloads);
  });
  const images: ReportedImageFact[] = [...merged].sort(([a], [b]) => a.localeCompare(b)).map(([image, workloads]) => ({ source, image, workloads: [...workloads].sort(), reportedAt: input.reportedAt }));
  const { removed } = await deps.reports.replaceReport(scope, { name: source, reportedAt: input.reportedAt, images: images.length }, images);
  let released = 0;
  for (const gone of removed) {
    for (const target of named(scope, gone.image)) {
      const digests = target.digest !== undefined ? [target.digest] : await deps.index.tagged(target.registry, target.repositoryName, target.tag!);
      for (const digest of digests) {
        await deps.events.releaseImage(target.registry, target.repositoryName, digest, input.reportedAt);
        released += 1;
      }
    }
  }
  return { source, reportedAt: input.reportedAt, images: images.length, removed: removed.length, released, ignored };
}

/** Warnings for the stale usage sources among some referrers (who-uses: "protected by a source we have not heard from"). */
export async function staleReferrerWarnings(reports: Pick<UsageReportStore, 'sources'>, referrers: ReadonlyArray<{ kind: string; id: string; account: string; region: string }>, config: Config, now: string): Promise<string[]> {
  const wanted = referrers.filter((r) => r.kind === 'usage-report');
  const warnings: string[] = [];
  for (const key of new Set(wanted.map((r) => `${r.account}/${r.region}`))) {
    const [accountId, region] = key.split('/') as [string, string];
    const names = new Set(wanted.filter((r) => `${r.account}/${r.region}` === key).map((r) => r.id.replace(/^usage-report:/, '')));
    for (const status of await listSources(reports, { accountId, region }, config, now)) if (status.stale && names.has(status.name)) warnings.push(staleSourceWarning(status, now));
  }
  return warnings;
}

/** Every usage source of a scope with its freshness (`ecr-ledger sources`). */
export async function listSources(reports: Pick<UsageReportStore, 'sources'>, scope: Scope, config: Config, now: string): Promise<SourceStatus[]> {
  return (await reports.sources(scope)).map((s) => sourceStatus(s, config, now)).sort((a, b) => a.name.localeCompare(b.name));
}
