import type { Config } from '../config.js';
import type { UsageSourceFact } from './facts.js';
import { compileGlob } from './glob.js';

const HOUR_MS = 3_600_000;

export interface SourceStatus extends UsageSourceFact {
  readonly staleAfterHours: number;
  readonly stale: boolean;
}

/** A usage source's freshness: stale when its last report is older than its `staleAfterHours` (it still protects what it reported). */
export function sourceStatus(source: UsageSourceFact, config: Config, now: string): SourceStatus {
  const staleAfterHours = config.usageSources.sources[source.name]?.staleAfterHours ?? config.usageSources.staleAfterHours;
  return { ...source, staleAfterHours, stale: Date.parse(now) - Date.parse(source.reportedAt) > staleAfterHours * HOUR_MS };
}

/** The warning for a stale source, in the words who-uses, plan and the sweep use. */
export function staleSourceWarning(status: SourceStatus, now: string): string {
  const hours = ((Date.parse(now) - Date.parse(status.reportedAt)) / HOUR_MS).toFixed(1);
  return `usage source ${status.name} is stale: its last report was ${status.reportedAt} (${hours} h ago, more than staleAfterHours ${status.staleAfterHours}); it keeps protecting the ${status.images} image(s) it reported`;
}

/**
 * Who a caller is as a source owner: an assumed role without its session name (each CronJob run has another session),
 * any other ARN as it is.
 */
export function ownerOf(callerArn: string): string {
  const assumed = /^(arn:aws[a-z-]*:sts::\d{12}:assumed-role\/[^/]+)\/.+$/.exec(callerArn);
  return assumed ? assumed[1]! : callerArn;
}

/**
 * Why `principal` may not replace the report of source `name`, or undefined when it may. Names starting with `eks:`
 * are the reconcile's own reads of EKS clusters; a source the config lists admits the principals its patterns match
 * (`usageSources.sources.NAME.principals`); any other belongs to the first principal that reported it.
 */
export function reportRefusal(name: string, held: UsageSourceFact | undefined, principal: string, config: Config): string | undefined {
  if (name.startsWith('eks:')) return `source ${name}: names starting with eks: are reserved for the reconcile's reads of EKS clusters (choose another --source)`;
  const owner = ownerOf(principal);
  const admitted = config.usageSources.sources[name]?.principals;
  if (admitted !== undefined) {
    return admitted.some((pattern) => compileGlob(pattern)(owner) || compileGlob(pattern)(principal)) ? undefined
      : `source ${name}: ${owner} is not among the principals usageSources.sources.${name}.principals admits (${admitted.join(', ')}); nothing was written`;
  }
  if (held?.principal !== undefined && held.principal !== owner) {
    return `source ${name} belongs to ${held.principal}, the first principal to report it: ${owner} may not replace its report (admit it with usageSources.sources.${name}.principals); nothing was written`;
  }
  return undefined;
}
