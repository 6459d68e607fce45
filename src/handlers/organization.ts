import { systemClock } from '../system-clock.js';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import { AwsCaller } from '../adapters/aws/caller.js';
import { createAwsClients } from '../adapters/aws/clients.js';
import { AssumedRoleAccess } from '../adapters/aws/member-access.js';
import { discoverOrganization } from '../adapters/aws/organization-accounts.js';
import { Organization } from '../adapters/aws/organization-members.js';
import type { Config } from '../config.js';
import { ConfigError } from '../errors.js';

/**
 * The organisation a deployed function works in (config `organization`), or undefined for a single account. Its
 * home is the function's own account (`HOME_ACCOUNT_ID`) and region; members are read through their reader role.
 */
export function deployedOrganization(config: Config): Organization | undefined {
  if (!config.organization) return undefined;
  const home = process.env.HOME_ACCOUNT_ID;
  const region = process.env.AWS_REGION;
  if (!home || !/^\d{12}$/.test(home) || !region) throw new ConfigError('HOME_ACCOUNT_ID and AWS_REGION must be set for an organisation-wide deployment');
  const sts = new Map<string, STSClient>();
  const access = new AssumedRoleAccess({
    home, roleName: config.organization.roleName,
    sts: (r) => sts.get(r) ?? sts.set(r, new STSClient({ region: r })).get(r)!,
    make: (scope, credentials) => createAwsClients({ region: scope.region, ...(credentials && { credentials }) }),
  });
  return new Organization(config, { accountId: home, region }, access, () => discoverOrganization(new AwsCaller(), new OrganizationsClient({ region })), systemClock);
}
