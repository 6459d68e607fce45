import { systemClock } from '../system-clock.js';
import { AwsCaller } from '../adapters/aws/caller.js';
import type { AwsClients } from '../adapters/aws/clients.js';
import type { DynamoDbLedger } from '../adapters/dynamodb-ledger.js';
import { LiveSweepAws } from '../adapters/aws/sweep-aws.js';
import type { RestoredOnUse, RestoreOnUseDeps } from '../app/undo/restore-on-use.js';
import type { Config } from '../config.js';
import type { Scope } from '../domain/facts.js';
import { managedRepositories, type ManagedRepositories } from '../domain/managed-repositories.js';
import { ConfigError } from '../errors.js';

/** The repositories the function's role may change (the stack's `MANAGED_REPOSITORIES`); a malformed list stops the function. */
export function managedFromEnvironment(): ManagedRepositories | undefined {
  const text = process.env.MANAGED_REPOSITORIES;
  if (!text) return undefined;
  try {
    return managedRepositories(text);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

/**
 * What restore on use needs in a deployed function: it restores only in the stack's own registry (`home`) and
 * managed repositories, with `clients` of that registry. Undefined when the function is not told any repositories.
 */
export function restoringIn(home: Scope, o: { config: Config; ledger: DynamoDbLedger; clients: (registry: Scope) => AwsClients | Promise<AwsClients>; tell: (found: readonly RestoredOnUse[]) => Promise<void> }): RestoreOnUseDeps | undefined {
  const managed = managedFromEnvironment();
  if (!managed) return undefined;
  return {
    config: o.config, clock: systemClock, managed, store: o.ledger.sweep, tell: o.tell,
    family: async (registry, repositoryName) => (await o.ledger.usageIndex().repository(registry, repositoryName)).images,
    restorer: (registry) => (registry.accountId === home.accountId && registry.region === home.region
      ? { restoreImages: async (repositoryName, digests) => new LiveSweepAws(await o.clients(registry), new AwsCaller(), registry, o.config, systemClock).restoreImages(repositoryName, digests) }
      : undefined),
  };
}
