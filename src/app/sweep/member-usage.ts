import { keptByLedger, type AccountFacts, type Scope, type UsageFacts } from '../../domain/facts.js';
import { AwsReadError } from '../../errors.js';
import { knownFacts, type KnownFacts } from '../../snapshot/from-facts.js';

const MEMBER_CONCURRENCY = 4;

/** The organisation's member accounts as the sweep's live check reads them. */
export interface MemberUsage {
  /** Every configured member scope (account and region), the swept account's own excluded. */
  scopes(): Promise<readonly Scope[]>;
  /** The organisation's id: configured, or read by discovery. */
  organizationId(): Promise<string | undefined>;
  /** A member scope's usage, read live now; an AwsReadError (a MemberAccessError for the role) when it cannot be. */
  readUsage(scope: Scope, known: KnownFacts): Promise<{ facts: UsageFacts; warnings: readonly string[] }>;
}

export interface UnreadableAccount {
  readonly accountId: string;
  readonly reason: string;
  /** The repositories it can pull from: nothing is deleted from them in this run. */
  readonly repositories: readonly string[];
}

export interface MemberReads {
  /** The members read live now, with the pins and reports their ledger holds. */
  readonly live: readonly AccountFacts[];
  /** What the ledger held of each member read (its sweep index), by `account/region`: what the live read adds to it. */
  readonly held: ReadonlyMap<string, AccountFacts | undefined>;
  /** Accounts whose live read failed now, with why. */
  readonly failed: ReadonlyMap<string, string>;
  readonly warnings: readonly string[];
}

/**
 * The organisation part of the live check: each member scope in the reach of a candidate's repository is read live,
 * a few at a time. One that cannot be read now is named; the reach keeps whatever it could pull from.
 */
export async function readMembers(members: MemberUsage, scopes: readonly Scope[], held: (scope: Scope) => Promise<AccountFacts | undefined>, now: string): Promise<MemberReads> {
  const live = new Map<string, AccountFacts>();
  const heldFacts = new Map<string, AccountFacts | undefined>();
  const failed = new Map<string, string>();
  const warnings: string[] = [];
  // Members are read a few at a time: each has its own API rate limits, and the sweep waits for the slowest.
  const queue = [...scopes];
  const readOne = async (scope: Scope) => {
    if (failed.has(scope.accountId)) return;
    try {
      // The member's sweep index holds its immutable usage facts: the live read reuses them instead of describing them again.
      const ledger = await held(scope);
      heldFacts.set(`${scope.accountId}/${scope.region}`, ledger);
      const read = await members.readUsage(scope, knownFacts(ledger));
      warnings.push(...read.warnings.map((w) => `${scope.accountId}/${scope.region}: ${w}`));
      live.set(`${scope.accountId}/${scope.region}`, { scope, capturedAt: now, repositories: [], images: [], ...keptByLedger(ledger), ...read.facts });
    } catch (error) {
      if (!(error instanceof AwsReadError)) throw error;
      failed.set(scope.accountId, `${scope.accountId}/${scope.region}: ${error.message}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(MEMBER_CONCURRENCY, queue.length) }, async () => {
    for (let next = queue.shift(); next; next = queue.shift()) await readOne(next);
  }));
  // A member that failed in one region is not counted as read in any: its other regions' reads are dropped too.
  return { live: [...live.values()].filter((f) => !failed.has(f.scope.accountId)), held: heldFacts, failed, warnings };
}
