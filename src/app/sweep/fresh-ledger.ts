import type { Config } from '../../config.js';
import { RefusedError } from '../../errors.js';
import type { LedgerContents } from '../ports.js';

const HOUR = 3_600_000;

/**
 * The ledger a sweep or a notice acts on must be recent: a reconcile finished within `maxLedgerAgeHours` of `now`.
 * An older one may miss what runs now, so neither deletes nor announces from it.
 */
export function requireFreshLedger(view: Pick<LedgerContents, 'watermark'>, config: Config, now: string): void {
  if (!view.watermark) throw new RefusedError('no reconcile has completed for this account and region: run `ecr-ledger reconcile` first');
  const age = (Date.parse(now) - Date.parse(view.watermark.reconciledAt)) / HOUR;
  if (age > config.sweep.maxLedgerAgeHours) {
    throw new RefusedError(`the ledger is stale: the last reconcile finished ${view.watermark.reconciledAt} (${age.toFixed(1)} h ago), more than maxLedgerAgeHours (${config.sweep.maxLedgerAgeHours})`);
  }
}
