/**
 * Which regions of an account have workloads that could pull images: the daily region probe's answer. A region where
 * workloads run (or whose probe failed) and that the ledger does not hold is in the reach of every repository the
 * account can pull from, unless the config says its workloads do not pull from this registry (`scope.ignoreRegions`).
 */

/** What one region's probe counted (or why it could not). */
export type RegionWorkloads =
  | {
    readonly region: string;
    readonly ecsClusters: number;
    /** Lambda functions with an image package (zip functions pull nothing from ECR). */
    readonly imageFunctions: number;
    readonly eksClusters: number;
    readonly batchJobQueues: number;
    readonly appRunnerServices: number;
  }
  | { readonly region: string; readonly error: string };

export interface RegionProbe {
  readonly accountId: string;
  readonly probedAt: string;
  /** Every enabled region of the account, each with what it runs; `*` with an error when the regions could not be listed. */
  readonly regions: readonly RegionWorkloads[];
}

/** `*`: the account's regions could not be listed, so every one of them could run workloads. */
export const EVERY_REGION = '*';

const KINDS = [
  ['ecsClusters', 'ECS cluster'], ['imageFunctions', 'image Lambda function'], ['eksClusters', 'EKS cluster'],
  ['batchJobQueues', 'Batch job queue'], ['appRunnerServices', 'App Runner service'],
] as const;

/** `2 ECS clusters, 1 image Lambda function`; `the probe failed: …`; `nothing` when it runs none. */
export function workloadText(w: RegionWorkloads): string {
  if ('error' in w) return w.region === EVERY_REGION ? `the account's regions cannot be listed: ${w.error}` : `it cannot be probed: ${w.error}`;
  const parts = KINDS.filter(([k]) => w[k] > 0).map(([k, noun]) => `${w[k]} ${noun}${w[k] === 1 ? '' : 's'}`);
  return parts.length > 0 ? parts.join(', ') : 'nothing';
}

/** Whether workloads there could pull: some were counted, or the probe could not tell. */
export const runsWorkloads = (w: RegionWorkloads): boolean => 'error' in w || KINDS.some(([k]) => w[k] > 0);

/**
 * The regions of the probed account whose workloads count, each with what was found: those with workloads or a failed
 * probe, minus the ones the config ignores.
 */
export function workloadRegionsOf(probe: RegionProbe, ignoreRegions: readonly string[]): Map<string, string> {
  const ignored = new Set(ignoreRegions.filter((r) => r !== EVERY_REGION));
  return new Map(probe.regions.filter((w) => runsWorkloads(w) && !ignored.has(w.region)).map((w) => [w.region, `region probe of ${probe.probedAt}: ${workloadText(w)}`]));
}
