import { ListAccountsCommand, type OrganizationsClient } from '@aws-sdk/client-organizations';
import type { AwsCaller } from './caller.js';

/** The organisation's active accounts (organizations:ListAccounts, from the management or a delegated-administrator account). */
export async function listOrganizationAccounts(caller: AwsCaller, organizations: OrganizationsClient): Promise<string[]> {
  const accounts = await caller.all('organizations:ListAccounts', async (nextToken) => {
    const page = await organizations.send(new ListAccountsCommand({ NextToken: nextToken }));
    return { items: page.Accounts, next: page.NextToken };
  });
  return accounts.filter((a) => (a.State ?? a.Status) === 'ACTIVE' && a.Id).map((a) => a.Id!).sort();
}
