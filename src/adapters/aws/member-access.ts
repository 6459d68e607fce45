import { wallTimeMs } from '../../system-clock.js';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { Scope } from '../../domain/facts.js';
import { MemberAccessError } from '../../errors.js';
import type { AwsClients } from './clients.js';

/** Clients for one account and region: the caller's own in its home account, a member's reader role elsewhere. */
export interface AccountAccess {
  clients(scope: Scope): Promise<AwsClients>;
  /** Closes every client made. */
  destroy(): void;
}

/** The partition of a region (`aws`, `aws-cn`, `aws-us-gov`). */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** `arn:{partition}:iam::{account}:role/{roleName}`: the role ecr-ledger assumes in a member account. */
export const readerRoleArn = (accountId: string, region: string, roleName: string) => `arn:${partitionOf(region)}:iam::${accountId}:role/${roleName}`;

const REFRESH_BEFORE_MS = 5 * 60_000;

export interface AssumedRoleOptions {
  /** The account the caller's own credentials belong to (no role is assumed there). */
  readonly home: string;
  readonly roleName: string;
  readonly sts: (region: string) => STSClient;
  /** Clients for a scope's region with the given credentials (undefined: the caller's own). */
  readonly make: (scope: Scope, credentials?: () => Promise<AwsCredentialIdentity>) => AwsClients;
  readonly now?: () => number;
  readonly sessionName?: string;
}

/**
 * Reads member accounts through STS AssumeRole of their reader role. Credentials are cached per account until five
 * minutes before they expire; a role that cannot be assumed is a MemberAccessError naming the account and why.
 */
export class AssumedRoleAccess implements AccountAccess {
  private readonly made = new Map<string, AwsClients>();
  private readonly credentials = new Map<string, AwsCredentialIdentity>();

  constructor(private readonly options: AssumedRoleOptions) {}

  async clients(scope: Scope): Promise<AwsClients> {
    const key = `${scope.accountId}#${scope.region}`;
    const known = this.made.get(key);
    if (known) return known;
    let clients: AwsClients;
    if (scope.accountId === this.options.home) clients = this.options.make(scope);
    else {
      await this.assume(scope);
      clients = this.options.make(scope, () => this.assume(scope));
    }
    this.made.set(key, clients);
    return clients;
  }

  private async assume(scope: Scope): Promise<AwsCredentialIdentity> {
    const now = (this.options.now ?? wallTimeMs)();
    const cached = this.credentials.get(scope.accountId);
    if (cached?.expiration && cached.expiration.getTime() - now > REFRESH_BEFORE_MS) return cached;
    const roleArn = readerRoleArn(scope.accountId, scope.region, this.options.roleName);
    try {
      const { Credentials: c } = await this.options.sts(scope.region).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: this.options.sessionName ?? 'ecr-ledger', DurationSeconds: 3600 }));
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('STS returned no credentials');
      const credentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, ...(c.SessionToken && { sessionToken: c.SessionToken }), ...(c.Expiration && { expiration: new Date(c.Expiration) }) };
      this.credentials.set(scope.accountId, credentials);
      return credentials;
    } catch (error) {
      const e = error as { name?: string; message?: string };
      throw new MemberAccessError(scope.accountId, `account ${scope.accountId} cannot be read: assuming ${roleArn} failed: ${e.name ?? 'Error'}: ${e.message ?? String(error)}`, { cause: error });
    }
  }

  destroy(): void {
    for (const clients of this.made.values()) clients.destroy();
    this.made.clear();
  }
}
