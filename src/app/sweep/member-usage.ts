import { keptByLedger, type AccountFacts, type RepositoryFact, type Scope, type UsageFacts } from '../../domain/facts.js';
import { accountsGranted } from '../../domain/repository-sharing.js';
import { AwsReadError } from '../../errors.js';
import { knownFacts, type KnownFacts } from '../../snapshot/from-facts.js';

const MEMBER_CONCURRENCY = 4;

/** The organisation's member accounts as the sweep's live check reads them. */
export interface MemberUsage {
  /** Every configured member scope (account and region), the swept account's own excluded. */
  scopes(): Promise<readonly Scope[]>;
  /** A member scope's usage, read live now; an AwsReadError (a MemberAccessError for the role) when it cannot be. */
  readUsage(scope: Scope, known: KnownFacts): Promise<{ facts: UsageFacts; warnings: readonly string[] }>;
}

export interface UnreadableAccount {
  readonly accountId: string;
  readonly reason: string;
  /** The repositories it can pull from: nothing is deleted from them in this run. */
  readonly repositories: readonly string[];
}

export interface MemberCheck {
  /** The members read live now, with the pins and reports their ledger holds. */
  readonly live: readonly AccountFacts[];
  /** Accounts whose current usage is known: the swept account and every member read in all its regions. */
  readonly visible: ReadonlySet<string>;
  readonly unreadable: readonly UnreadableAccount[];
  readonly warnings: readonly string[];
}

/**
 * The organisation part of the live check: every configured member account that the candidates' repository
 * policies let pull is read live in each of its regions. One that cannot be read now blocks deletion in every
 * repository it can pull from; the others count with their current usage.
 */
export async function checkMembers(members: MemberUsage, home: Scope, repositories: readonly RepositoryFact[], held: (scope: Scope) => Promise<AccountFacts | undefined>, now: string): Promise<MemberCheck> {
  const grants = repositories.map((r) => ({ repositoryName: r.repositoryName, ...accountsGranted(r.policyText, home.accountId) }));
  const needed = new Set(grants.flatMap((g) => g.accounts));
  const scopes = (await members.scopes()).filter((s) => s.accountId !== home.accountId && needed.has(s.accountId));
  const live = new Map<string, AccountFacts>();
  const failures = new Map<string, string>();
  const warnings: string[] = [];
  // Members are read a few at a time: each has its own API rate limits, and the sweep waits for the slowest.
  const queue = [...scopes];
  const readOne = async (scope: Scope) => {
    if (failures.has(scope.accountId)) return;
    try {
      // The member's sweep index holds its immutable usage facts: the live read reuses them instead of describing them again.
      const ledger = await held(scope);
      const read = await members.readUsage(scope, knownFacts(ledger));
      warnings.push(...read.warnings.map((w) => `${scope.accountId}/${scope.region}: ${w}`));
      live.set(`${scope.accountId}/${scope.region}`, { scope, capturedAt: now, repositories: [], images: [], ...keptByLedger(ledger), ...read.facts });
    } catch (error) {
      if (!(error instanceof AwsReadError)) throw error;
      failures.set(scope.accountId, `${scope.accountId}/${scope.region}: ${error.message}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(MEMBER_CONCURRENCY, queue.length) }, async () => {
    for (let next = queue.shift(); next; next = queue.shift()) await readOne(next);
  }));
  const unreadable = [...failures].map(([accountId, reason]) => ({ accountId, reason, repositories: grants.filter((g) => g.accounts.includes(accountId)).map((g) => g.repositoryName).sort() }));
  for (const u of unreadable) warnings.push(`account ${u.accountId} cannot be read now (${u.reason}): nothing is deleted from the repositories it can pull from (${u.repositories.join(', ')})`);
  const readAccounts = new Set(scopes.map((s) => s.accountId).filter((a) => !failures.has(a)));
  return { live: [...live.values()], visible: new Set([home.accountId, ...readAccounts]), unreadable, warnings };
}
