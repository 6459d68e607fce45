import type { Scope } from '../../domain/facts.js';
import { AwsReadError, CredentialsUnknownError, RefusedError } from '../../errors.js';
import type { SweepAws } from '../ports.js';

/**
 * The credentials act for one account and the clients call one region: a path that deletes or settles in `scope`
 * refuses, before it reads anything, when either is another's (one account's pins and tombstones must never judge another's registry) — or when it
 * cannot tell which account they belong to now.
 */
export async function requireOwnCredentials(aws: Pick<SweepAws, 'callerAccount' | 'region'>, scope: Scope, what: string): Promise<void> {
  let accountId: string;
  let region: string;
  try {
    [accountId, region] = await Promise.all([aws.callerAccount(), aws.region()]);
  } catch (error) {
    if (!(error instanceof AwsReadError)) throw error;
    throw new CredentialsUnknownError(`the ${what} cannot tell which account the credentials act for (${error.message}): nothing was read or changed`, { cause: error });
  }
  if (accountId !== scope.accountId) {
    throw new RefusedError(`the credentials act for account ${accountId}, but the ${what} is of ${scope.accountId}/${scope.region}: nothing was read or changed (use credentials of ${scope.accountId}, or assume its role)`);
  }
  // The same account in another region is another registry: its repositories, pins and references are not these.
  if (region !== scope.region) {
    throw new RefusedError(`the ECR calls would go to ${region}, but the ${what} is of ${scope.accountId}/${scope.region}: nothing was read or changed (use --region ${scope.region})`);
  }
}
