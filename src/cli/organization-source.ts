import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import { AwsCaller } from '../adapters/aws/caller.js';
import { createAwsClients } from '../adapters/aws/clients.js';
import { AssumedRoleAccess, type AccountAccess } from '../adapters/aws/member-access.js';
import { discoverOrganization } from '../adapters/aws/organization-accounts.js';
import type { Discovery } from '../app/organization.js';
import type { Config } from '../config.js';
import type { Scope } from '../domain/facts.js';
import type { Flags } from './args.js';

/** The organisation as the CLI reaches it: accounts through their reader role, and the accounts discovery finds. */
export interface OrganizationIo {
  readonly access: AccountAccess;
  /** The organisation's active accounts and its id (only asked for with `organization.discover`). */
  discover(): Promise<Discovery>;
}

export type OrganizationFactory = (options: { home: Scope; roleName: string; region?: string; profile?: string; profiles?: ReadonlyMap<string, string> }) => OrganizationIo;

/** The real organisation: STS AssumeRole from the caller's credentials (`--profile`), Organizations for discovery. */
export const awsOrganization: OrganizationFactory = ({ home, roleName, region, profile, profiles }) => {
  const base = { ...(profile !== undefined && { profile }) };
  const sts = new Map<string, STSClient>();
  const access = new AssumedRoleAccess({
    home: home.accountId, roleName,
    sts: (r) => sts.get(r) ?? sts.set(r, new STSClient({ ...base, region: r })).get(r)!,
    make: (scope, credentials) => createAwsClients({ region: scope.region, ...(credentials ? { credentials } : base) }),
  });
  // An account with its own profile (config `organization.accounts[].profile`) is read with it, not through its reader role.
  const byProfile = new Map<string, ReturnType<typeof createAwsClients>>();
  const clients = async (s: Scope) => {
    const own = profiles?.get(s.accountId);
    if (own === undefined) return access.clients(s);
    const key = `${s.accountId}#${s.region}`;
    return byProfile.get(key) ?? byProfile.set(key, createAwsClients({ region: s.region, profile: own })).get(key)!;
  };
  return {
    access: { clients, destroy: () => { access.destroy(); sts.forEach((c) => c.destroy()); byProfile.forEach((c) => c.destroy()); } },
    discover: async () => {
      const organizations = new OrganizationsClient({ ...base, region: region ?? home.region });
      try {
        return await discoverOrganization(new AwsCaller(), organizations);
      } finally {
        organizations.destroy();
      }
    },
  };
};

/** Opens the organisation the config describes, for a caller whose own account and region are `home`. */
export function openOrganization(flags: Flags, config: Config, home: Scope, factory: OrganizationFactory = awsOrganization): OrganizationIo {
  const org = config.organization!;
  const profiles = new Map('accounts' in org ? org.accounts.flatMap((a) => (a.profile !== undefined ? [[a.id, a.profile] as const] : [])) : []);
  return factory({ home, roleName: org.roleName, ...(flags.region !== undefined && { region: flags.region }), ...(flags.profile !== undefined && { profile: flags.profile }), ...(profiles.size > 0 && { profiles }) });
}
