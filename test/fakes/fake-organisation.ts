import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { AssumedRoleAccess } from '../../src/adapters/aws/member-access.js';
import type { OrganizationFactory } from '../../src/cli/organization-source.js';
import { FakeAccount } from './fake-account.js';
import { FAKE_CREDENTIALS } from './fake-ecr.js';
import { awsError } from './faults.js';

/**
 * A fake AWS organisation: several fake accounts behind STS AssumeRole. A member's reader role can be assumed
 * unless the account is in `denied` (or the role name is not the one it carries); its clients are the member's.
 */
export class FakeOrganisation {
  readonly accounts = new Map<string, FakeAccount>();
  readonly denied = new Set<string>();
  readonly sts = new STSClient({ region: 'us-east-1', credentials: FAKE_CREDENTIALS });
  readonly assumed: string[] = [];
  /** What DescribeOrganization answers (none: the call is not answered with an id). */
  organizationId?: string;

  constructor(readonly roleName = 'ecr-ledger-reader') {
    mockClient(this.sts).on(AssumeRoleCommand).callsFake((input) => {
      const match = /^arn:aws:iam::(\d{12}):role\/(.+)$/.exec(input.RoleArn ?? '');
      const account = match?.[1] ?? '';
      if (!match || match[2] !== this.roleName || !this.accounts.has(account) || this.denied.has(account)) {
        throw awsError('AccessDenied', `User: arn:aws:sts::111111111111:assumed-role/central/ecr-ledger is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`, 403);
      }
      this.assumed.push(input.RoleArn!);
      return { Credentials: { AccessKeyId: `ASIA${account}`, SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date(Date.now() + 3_600_000) } };
    });
  }

  add(account: FakeAccount): FakeAccount {
    this.accounts.set(account.accountId, account);
    return account;
  }

  /** What the CLI's `io.organization` builds: the production AssumedRoleAccess over this fake STS. */
  readonly factory: OrganizationFactory = ({ home, roleName, profiles }) => {
    const assumed = new AssumedRoleAccess({ home: home.accountId, roleName, sts: () => this.sts, make: (scope) => this.accounts.get(scope.accountId)!.clientsIn(scope.region) });
    // An account with a profile is read with it (its own credentials), not through its reader role.
    const access = {
      clients: async (scope: { accountId: string; region: string }) => {
        const profile = profiles?.get(scope.accountId);
        if (profile === undefined) return assumed.clients(scope);
        this.profilesUsed.push(`${profile} ${scope.accountId}`);
        return this.accounts.get(scope.accountId)!.clientsIn(scope.region);
      },
      destroy: () => assumed.destroy(),
    };
    return { access, discover: async () => ({ accounts: [...this.accounts.keys()].sort(), ...(this.organizationId && { organizationId: this.organizationId }) }) };
  };

  /** `PROFILE ACCOUNT` for each account read with its profile instead of its reader role. */
  readonly profilesUsed: string[] = [];
}
