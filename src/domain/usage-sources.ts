import type { Config } from '../config.js';
import type { UsageSourceFact } from './facts.js';

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
