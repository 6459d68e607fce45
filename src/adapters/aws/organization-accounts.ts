import { DescribeOrganizationCommand, ListAccountsCommand, type OrganizationsClient } from '@aws-sdk/client-organizations';
import type { Discovery } from '../../app/organization.js';
import type { AwsCaller } from './caller.js';

/** The organisation's active accounts (organizations:ListAccounts, from the management or a delegated-administrator account). */
export async function listOrganizationAccounts(caller: AwsCaller, organizations: OrganizationsClient): Promise<string[]> {
  const accounts = await caller.all('organizations:ListAccounts', async (nextToken) => {
    const page = await organizations.send(new ListAccountsCommand({ NextToken: nextToken }));
    return { items: page.Accounts, next: page.NextToken };
  });
  return accounts.filter((a) => (a.State ?? a.Status) === 'ACTIVE' && a.Id).map((a) => a.Id!).sort();
}

/**
 * What discovery finds: the active accounts, and the organisation's id (organizations:DescribeOrganization), which an
 * aws:PrincipalOrgID grant is judged against when the config does not name it.
 */
export async function discoverOrganization(caller: AwsCaller, organizations: OrganizationsClient): Promise<Discovery> {
  const accounts = await listOrganizationAccounts(caller, organizations);
  const { Organization } = await caller.call('organizations:DescribeOrganization', () => organizations.send(new DescribeOrganizationCommand({})));
  return { accounts, ...(Organization?.Id && { organizationId: Organization.Id }) };
}
