import type { Scope } from '../../domain/facts.js';
import { RefusedError } from '../../errors.js';
import type { SweepAws } from '../ports.js';

/**
 * The credentials act for one account: a path that deletes or settles in `scope` refuses, before it reads anything,
 * when they belong to another (one account's pins and tombstones must never judge another's registry).
 */
export async function requireOwnCredentials(aws: Pick<SweepAws, 'registry'>, scope: Scope, what: string): Promise<void> {
  const { accountId } = await aws.registry();
  if (accountId !== scope.accountId) {
    throw new RefusedError(`the credentials act for account ${accountId}, but the ${what} is of ${scope.accountId}/${scope.region}: nothing was read or changed (use credentials of ${scope.accountId}, or assume its role)`);
  }
}
