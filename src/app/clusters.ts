import type { ReportedImageFact, Scope } from '../domain/facts.js';
import { AwsReadError } from '../errors.js';
import { reportUsage, type ReportedImage, type UsageReportDeps } from './usage-reports.js';

/** The Kubernetes clusters of one scope that ecr-ledger reads itself (EKS, agentless). */
export interface ClusterReader {
  clusters(scope: Scope): Promise<ReadonlyArray<{ readonly name: string; read(): Promise<ReportedImage[]> }>>;
}

export interface ClusterRead {
  readonly cluster: string;
  readonly images?: readonly ReportedImage[];
  /** Why the cluster could not be read now (its API refused the token, it is unreachable, RBAC…). */
  readonly error?: string;
}

/** The usage source a cluster's images are kept under: `eks:NAME`. */
export const clusterSource = (name: string) => `eks:${name}`;

/** Reads every cluster; one that cannot be read is reported with why, the others still count. */
export async function readClusters(reader: ClusterReader, scope: Scope): Promise<ClusterRead[]> {
  const reads: ClusterRead[] = [];
  for (const cluster of await reader.clusters(scope)) {
    try {
      reads.push({ cluster: cluster.name, images: await cluster.read() });
    } catch (error) {
      if (!(error instanceof AwsReadError)) throw error;
      reads.push({ cluster: cluster.name, error: error.message });
    }
  }
  return reads;
}

/**
 * The reconcile's part: each cluster read replaces its source's report (so `sources` shows it, and a cluster not
 * read for longer than staleAfterHours goes stale); one that cannot be read keeps its last report and is a warning.
 */
export async function reconcileClusters(deps: UsageReportDeps & { readonly clusters: ClusterReader }, scope: Scope, at: string): Promise<{ readonly reported: readonly string[]; readonly warnings: readonly string[] }> {
  const reads = await readClusters(deps.clusters, scope);
  const reported: string[] = [];
  const warnings: string[] = [];
  for (const read of reads) {
    if (read.error !== undefined) {
      warnings.push(`EKS cluster ${read.cluster} cannot be read now (${read.error}): what it reported last keeps protecting`);
      continue;
    }
    await reportUsage(deps, scope, { source: clusterSource(read.cluster), reportedAt: at, images: read.images! });
    reported.push(read.cluster);
  }
  return { reported, warnings };
}

/** The sweep's part: live cluster images in place of the ledger's last report of the same clusters. */
export function withLiveClusters(reported: readonly ReportedImageFact[], reads: readonly ClusterRead[], at: string): ReportedImageFact[] {
  const live = reads.filter((r) => r.images !== undefined);
  const replaced = new Set(live.map((r) => clusterSource(r.cluster)));
  return [
    ...reported.filter((r) => !replaced.has(r.source)),
    ...live.flatMap((r) => r.images!.map((i) => ({ source: clusterSource(r.cluster), image: i.image, workloads: i.workloads, reportedAt: at }))),
  ];
}
