import type { Config } from '../../config.js';
import { RefusedError } from '../../errors.js';
import type { LedgerContents } from '../ports.js';
import { staleness } from '../../domain/freshness.js';


/**
 * The ledger a sweep or a notice acts on must be recent: a picture captured within `maxLedgerAgeHours` of `now`.
 * An older one may miss what runs now, so neither deletes nor announces from it.
 */
export function requireFreshLedger(view: Pick<LedgerContents, 'watermark'>, config: Config, now: string, o: { rehearsal?: boolean; warn?: (message: string) => void } = {}): void {
  if (!view.watermark) throw new RefusedError('no reconcile has completed for this account and region: run `ecr-ledger reconcile` first');
  const stale = staleness(view.watermark, config.sweep.maxLedgerAgeHours, now);
  if (!stale) return;
  const why = `the ledger is stale: the last reconcile finished ${view.watermark.reconciledAt}, but ${stale}`;
  // A rehearsal changes nothing: it goes on to show what a sweep would judge, and says a real one would refuse.
  if (o.rehearsal) o.warn?.(`${why}; a sweep against live AWS would refuse`);
  else throw new RefusedError(why);
}
