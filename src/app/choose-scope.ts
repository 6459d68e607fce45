import type { Scope } from '../domain/facts.js';
import { parseImageReference } from '../domain/image-reference.js';
import { NotFoundError, UsageError } from '../errors.js';
import type { LedgerStore } from './ports.js';

/** Picks the scope (account and region) a ledger command works on. */
export async function chooseScope(ledger: LedgerStore, flags: { account?: string; region?: string }, image?: string): Promise<Scope> {
  let account = flags.account;
  let region = flags.region;
  if (image !== undefined) {
    const ref = parseImageReference(image, 'query');
    if (ref.kind === 'ecr' && ref.registryId !== undefined) {
      account ??= ref.registryId;
      region ??= ref.region;
    }
  }
  const scopes = await ledger.scopes();
  // A scope fed only by events has no watermark yet: naming it in full is enough.
  if (account !== undefined && region !== undefined && !scopes.some((s) => s.accountId === account && s.region === region)) return { accountId: account, region };
  const matching = scopes.filter((s) => (account === undefined || s.accountId === account) && (region === undefined || s.region === region));
  if (matching.length === 1) return matching[0]!;
  if (matching.length === 0) {
    if (scopes.length === 0) throw new NotFoundError('the ledger is empty: load it first with `ecr-ledger reconcile --snapshot FILE`');
    const held = scopes.map((s) => `${s.accountId}/${s.region}`).join(', ');
    throw new NotFoundError(`the ledger holds nothing for ${account ?? 'any account'} in ${region ?? 'any region'} (it holds ${held})`);
  }
  throw new UsageError(`the ledger holds several accounts or regions (${matching.map((s) => `${s.accountId}/${s.region}`).join(', ')}): give --account and --region, or a full image URI`);
}
