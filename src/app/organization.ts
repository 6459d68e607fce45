import type { Config } from '../config.js';
import type { Scope } from '../domain/facts.js';
import { AwsReadError } from '../errors.js';
import { reconcileFromAws, type LiveReconcileResult } from './live.js';
import type { AccountReader, LedgerStore } from './ports.js';

const id = (s: Scope) => `${s.accountId}/${s.region}`;

/** What `organization.discover` finds: the organisation's active accounts and its id. */
export interface Discovery {
  readonly accounts: readonly string[];
  readonly organizationId?: string;
}

/**
 * The scopes an organisation-wide run covers: the home scope (the caller's own account and region) and every
 * configured (or discovered) member account in each of its regions, each once.
 */
export function organizationScopes(config: Config, home: Scope, discovered: readonly string[] = []): Scope[] {
  const org = config.organization;
  const members = !org ? [] : 'accounts' in org
    ? org.accounts.flatMap((a) => a.regions.map((region) => ({ accountId: a.id, region })))
    : discovered.flatMap((accountId) => org.regions.map((region) => ({ accountId, region })));
  const all = [home, ...members];
  return [...new Map(all.map((s) => [id(s), s])).values()];
}

/** Whether the organisation config names this account in this region (the home scope always counts). */
export function isConfiguredScope(config: Config, home: Scope, scope: Scope, discovered: readonly string[] = []): boolean {
  if (!config.organization) return scope.accountId === home.accountId;
  return organizationScopes(config, home, discovered).some((s) => id(s) === id(scope));
}

export interface ScopeOutcome {
  readonly scope: Scope;
  readonly result?: LiveReconcileResult;
  /** Why the scope was not reconciled (its watermark stays where it was). */
  readonly error?: string;
}

export interface OrganizationReconcileDeps {
  readonly ledger: LedgerStore;
  readonly clock: () => Date;
  /** A live reader of one scope: the caller's own clients at home, the member's reader role elsewhere. */
  readonly readerFor: (scope: Scope) => Promise<AccountReader>;
  readonly concurrency?: number;
  readonly onDone?: (outcome: ScopeOutcome) => void;
  /** After a scope is reconciled (its EKS clusters, say): warnings to add to its result. */
  readonly afterScope?: (scope: Scope, at: string) => Promise<readonly string[]>;
}

/**
 * Reconciles every scope on its own: a scope that cannot be read (role missing, access denied, throttled past the
 * retries) keeps its watermark and is reported by name; the others complete. A reader that answers for another
 * account than the one asked for is refused, so that one account's facts never land in another's scope.
 */
export async function reconcileOrganization(deps: OrganizationReconcileDeps, config: Config, scopes: readonly Scope[]): Promise<ScopeOutcome[]> {
  const outcomes: ScopeOutcome[] = [];
  const queue = [...scopes];
  const worker = async () => {
    for (let scope = queue.shift(); scope; scope = queue.shift()) {
      let outcome: ScopeOutcome;
      try {
        const reader = await deps.readerFor(scope);
        const actual = await reader.scope();
        if (id(actual) !== id(scope)) throw new AwsReadError(`the credentials for ${id(scope)} read ${id(actual)}: check the role's account`);
        const result = await reconcileFromAws({ ledger: deps.ledger, reader, clock: deps.clock }, config);
        const extra = deps.afterScope ? await deps.afterScope(scope, deps.clock().toISOString()) : [];
        outcome = { scope, result: extra.length > 0 ? { ...result, warnings: [...result.warnings, ...extra] } : result };
      } catch (error) {
        if (!(error instanceof AwsReadError)) throw error;
        outcome = { scope, error: error.message };
      }
      outcomes.push(outcome);
      deps.onDone?.(outcome);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(deps.concurrency ?? 4, scopes.length)) }, worker));
  return scopes.map((s) => outcomes.find((o) => id(o.scope) === id(s))!);
}
