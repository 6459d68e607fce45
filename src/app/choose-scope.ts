import type { Scope } from '../domain/facts.js';
import { parseImageReference } from '../domain/image-reference.js';
import { NotFoundError, UsageError } from '../errors.js';
import type { LedgerStore } from './ports.js';

/** `ACCOUNT/REGION` → scope. */
export function parseScope(text: string): Scope {
  const match = /^(\d{12})\/([a-z]{2}(?:-[a-z]+)+-\d)$/.exec(text);
  if (!match) throw new UsageError(`--scope ${text}: expected ACCOUNT/REGION, e.g. 123456789012/us-east-1`);
  return { accountId: match[1]!, region: match[2]! };
}

/** The scope of the caller's credentials (sts:GetCallerIdentity and the client's region), and where to say it was used. */
export interface ScopeDefault {
  caller(): Promise<Scope | undefined>;
  say(message: string): void;
}

/**
 * Picks the scope (account and region) a ledger command works on: `--scope ACCOUNT/REGION`, `--account` alone, the
 * registry of a full image URI, the only scope the ledger holds, or — of several — the credentials' own account and
 * region when the ledger holds it. (`--region` is the AWS clients' region, not a scope.)
 */
export async function chooseScope(ledger: LedgerStore, flags: { account?: string; scope?: string }, image?: string, byDefault?: ScopeDefault): Promise<Scope> {
  const named = flags.scope === undefined ? undefined : parseScope(flags.scope);
  if (named && flags.account !== undefined && flags.account !== named.accountId) throw new UsageError(`--account ${flags.account} contradicts --scope ${flags.scope}`);
  let account = named?.accountId ?? flags.account;
  let region = named?.region;
  if (image !== undefined) {
    const ref = parseImageReference(image, 'query');
    if (ref.kind === 'ecr' && ref.registryId !== undefined) {
      account ??= ref.registryId;
      region ??= ref.region;
    }
  }
  const scopes = await ledger.scopes();
  const matching = scopes.filter((s) => (account === undefined || s.accountId === account) && (region === undefined || s.region === region));
  if (matching.length === 1) return matching[0]!;
  // Several, and nothing named: the account and region the credentials act in, when the ledger holds it (and say so).
  if (matching.length > 1 && account === undefined && region === undefined && byDefault) {
    const own = await byDefault.caller().catch(() => undefined);
    const held = own && matching.find((s) => s.accountId === own.accountId && s.region === own.region);
    if (held) {
      byDefault.say(`using ${held.accountId}/${held.region}, the account and region of your credentials (the ledger holds ${matching.length} scopes; --scope ACCOUNT/REGION picks another)`);
      return held;
    }
  }
  if (matching.length === 0) {
    if (scopes.length === 0) throw new NotFoundError('the ledger is empty: load it first with `ecr-ledger reconcile --snapshot FILE`');
    const held = scopes.map((s) => `${s.accountId}/${s.region}`).join(', ');
    throw new NotFoundError(`the ledger holds nothing for ${account ?? 'any account'} in ${region ?? 'any region'} (it holds ${held})`);
  }
  throw new UsageError(`the ledger holds several accounts or regions (${matching.map((s) => `${s.accountId}/${s.region}`).join(', ')}): give --scope ACCOUNT/REGION (or --account), or a full image URI`);
}
