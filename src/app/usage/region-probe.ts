import type { Config } from '../../config.js';
import { scopeKey } from '../../domain/facts.js';
import { EVERY_REGION, workloadRegionsOf, workloadText, type RegionProbe } from '../../domain/region-probe.js';
import { AwsReadError } from '../../errors.js';
import type { LedgerStore } from '../ports.js';

export interface RegionProbeDeps {
  readonly ledger: Pick<LedgerStore, 'saveRegionProbe' | 'scopes'>;
  /** Probes every enabled region of the account (an AwsReadError when its regions cannot be listed). */
  readonly probe: (accountId: string) => Promise<RegionProbe>;
  readonly clock: () => Date;
}

/**
 * The daily region probe of one account, recorded in the ledger: which of its regions run workloads. A region that
 * runs some and that the ledger does not hold is in the reach of every repository the account can pull from (nothing
 * there is deleted) until it is reconciled or listed in `scope.ignoreRegions`; the warnings say which.
 * When the regions cannot be listed the probe records that every region could run workloads.
 */
export async function recordRegionProbe(deps: RegionProbeDeps, config: Config, accountId: string): Promise<{ probe: RegionProbe; warnings: string[] }> {
  let probe: RegionProbe;
  try {
    probe = await deps.probe(accountId);
  } catch (error) {
    if (!(error instanceof AwsReadError)) throw error;
    probe = { accountId, probedAt: deps.clock().toISOString(), regions: [{ region: EVERY_REGION, error: error.message }] };
  }
  await deps.ledger.saveRegionProbe(probe);
  const held = new Set((await deps.ledger.scopes()).map(scopeKey));
  const counted = workloadRegionsOf(probe, config.scope.ignoreRegions);
  const warnings = probe.regions
    .filter((w) => counted.has(w.region) && !held.has(scopeKey({ accountId, region: w.region })))
    .map((w) => w.region === EVERY_REGION
      ? `the regions of ${accountId} cannot be listed (${(w as { error: string }).error}): none of them can be judged, so nothing its workloads could pull is deleted (grant account:ListRegions)`
      : `${accountId}/${w.region} runs workloads (${workloadText(w)}) that the ledger does not hold: nothing in a repository they can pull from is deleted (reconcile that region, or list it in scope.ignoreRegions if its workloads do not pull from this registry)`);
  return { probe, warnings };
}

/** The probes of several accounts (an organisation's reconcile), each recorded on its own; their warnings. */
export async function recordRegionProbes(deps: RegionProbeDeps, config: Config, accountIds: readonly string[]): Promise<string[]> {
  const warnings: string[] = [];
  for (const accountId of [...new Set(accountIds)]) warnings.push(...(await recordRegionProbe(deps, config, accountId)).warnings);
  return warnings;
}
