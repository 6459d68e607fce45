import { defaultConfig, type Config } from '../config.js';
import type { ReportedImageFact, Scope, UsageSourceFact } from '../domain/facts.js';
import { parseImageReference, type EcrImageReference, registryHost } from '../domain/image-reference.js';
import { named } from '../domain/named-images.js';
import { ownerOf, reportRefusal, sourceStatus, staleSourceWarning, type SourceStatus } from '../domain/usage-sources.js';
import { ForbiddenError, ImageReferenceError, UsageError } from '../errors.js';
import type { EventLedger, UsageReportStore } from './ports.js';
import type { UsageIndex } from './usage-index.js';

/** One image as a source reports it: the reference it runs or would run, and the workloads naming it. */
export interface ReportedImage {
  readonly image: string;
  readonly workloads: readonly string[];
  /** Where the entry came from (`FILE line 3`), for messages. */
  readonly at?: string;
  /**
   * `image`: written as the other commands take an IMAGE (a file or stdin) — `repo:tag` and `repo@sha256:…` name the
   * ledger's registry, and must name an image it holds. Otherwise (a cluster's pod specs) as a container runtime reads it.
   */
  readonly spelled?: 'image';
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
  /** Who may report which source (`usageSources`): needed when a report carries its sender. */
  readonly config?: Config;
  readonly events: Pick<EventLedger, 'releaseImage'>;
  readonly index: Pick<UsageIndex, 'tagged' | 'image'>;
  /** After a report is written: what it holds now (full URIs), for restore on use. */
  readonly reported?: (scope: Scope, images: readonly ReportedImageFact[]) => Promise<unknown>;
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
export async function reportUsage(deps: UsageReportDeps, scope: Scope, input: {
  source: string; reportedAt: string; images: readonly ReportedImage[];
  /** Who sent it (the caller's ARN): the source must be theirs. Absent: the reconcile's own reads, or a local ledger. */
  principal?: string;
  /** The time the client said it reported at (kept for display; `reportedAt` is the time of receipt). */
  clientReportedAt?: string;
}): Promise<UsageReportResult> {
  const source = requireSourceName(input.source);
  const { principal } = input;
  const admit = principal === undefined ? undefined : (held: UsageSourceFact | undefined) => {
    const refused = reportRefusal(source, held, principal, deps.config ?? defaultConfig());
    if (refused) throw new ForbiddenError(refused);
  };
  if (admit && source.startsWith('eks:')) admit(undefined); // refused before anything is read
  const merged = new Map<string, Set<string>>();
  const ignored: string[] = [];
  // Every entry is checked before anything is written: a report is taken whole or not at all.
  for (const [i, entry] of input.images.entries()) {
    const at = entry.at ?? `image ${i + 1}`;
    let ref;
    try {
      ref = parseImageReference(entry.image, entry.spelled === 'image' ? 'query' : 'container');
    } catch (error) {
      if (error instanceof ImageReferenceError) throw new UsageError(`${at} (${JSON.stringify(entry.image)}): ${error.message}`, { cause: error });
      throw error;
    }
    if (ref.kind !== 'ecr') {
      ignored.push(entry.image);
      continue;
    }
    const image = entry.spelled === 'image' ? await heldImage(deps.index, scope, ref, entry.image, at) : entry.image;
    const workloads = merged.get(image) ?? new Set<string>();
    entry.workloads.forEach((w) => workloads.add(w));
    merged.set(image, workloads);
  }
  const images: ReportedImageFact[] = [...merged].sort(([a], [b]) => a.localeCompare(b)).map(([image, workloads]) => ({ source, image, workloads: [...workloads].sort(), reportedAt: input.reportedAt }));
  const sourceFact: UsageSourceFact = {
    name: source, reportedAt: input.reportedAt, images: images.length,
    ...(principal !== undefined && { principal: ownerOf(principal) }), ...(input.clientReportedAt !== undefined && { clientReportedAt: input.clientReportedAt }),
  };
  const { removed } = await deps.reports.replaceReport(scope, sourceFact, images, admit);
  await deps.reported?.(scope, images);
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

/**
 * An IMAGE as the other commands take it, as the full URI a report holds: `repo:tag` and `repo@digest` name the
 * ledger's registry. One in the ledger's registry must name an image it holds (a typo would protect nothing).
 */
async function heldImage(index: Pick<UsageIndex, 'tagged' | 'image'>, scope: Scope, ref: EcrImageReference, text: string, at: string): Promise<string> {
  const registry = { accountId: ref.registryId ?? scope.accountId, region: ref.region ?? scope.region };
  const uri = `${registryHost(registry.accountId, registry.region)}/${ref.repositoryName}${ref.digest !== undefined ? `@${ref.digest}` : `:${ref.tag ?? 'latest'}`}`;
  if (registry.accountId !== scope.accountId || registry.region !== scope.region) return uri;
  const held = ref.digest !== undefined ? (await index.image(registry, ref.repositoryName, ref.digest)).image !== undefined : (await index.tagged(registry, ref.repositoryName, ref.tag ?? 'latest')).length > 0;
  if (!held) throw new UsageError(`${at}: ${text} names no image the ledger holds in ${scope.accountId}/${scope.region} (${ref.digest !== undefined ? `no ${ref.repositoryName}@${ref.digest}` : `no image of ${ref.repositoryName} has the tag ${ref.tag ?? 'latest'}`}): nothing was reported`);
  return uri;
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
