/**
 * Whether a repository policy lets principals outside the account pull. Grants only to accounts in `visible` (accounts
 * the ledger holds, freshly reconciled) are not "sharing with someone we cannot see": those accounts' references
 * count like local ones, and `coveredBy` names them. `*`, organisations, unknown principals and an unreadable
 * policy always count as shared.
 */
export function sharedWithOtherAccounts(policyText: string | undefined, accountId: string, visible: ReadonlySet<string> = new Set()): { shared: boolean; why?: string; coveredBy?: readonly string[] } {
  if (policyText === undefined || policyText.trim() === '') return { shared: false };
  let policy: { Statement?: unknown };
  try {
    policy = JSON.parse(policyText) as { Statement?: unknown };
  } catch {
    return { shared: true, why: 'its repository policy cannot be read, so other accounts may pull (kept to be safe)' };
  }
  const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
  const covered = new Set<string>();
  for (const statement of statements as Array<{ Effect?: string; Principal?: unknown; Condition?: unknown }>) {
    if (statement?.Effect !== 'Allow') continue;
    for (const outsider of outsiders(statement.Principal, statement.Condition, accountId)) {
      if (outsider.account !== undefined && visible.has(outsider.account)) covered.add(outsider.account);
      else return { shared: true, why: `its repository policy allows ${outsider.text} to pull${outsider.account ? ', an account the ledger does not hold (or not freshly)' : ''}` };
    }
  }
  return covered.size > 0 ? { shared: false, coveredBy: [...covered].sort() } : { shared: false };
}

/**
 * The other accounts a repository policy names as able to pull, and whether it also lets in principals no account
 * list bounds (`*`, an organisation, an unreadable policy): whose usage a sweep must read before deleting there.
 */
export function accountsGranted(policyText: string | undefined, accountId: string): { readonly accounts: readonly string[]; readonly unbounded: boolean } {
  const everyone = { has: () => true } as unknown as ReadonlySet<string>;
  const verdict = sharedWithOtherAccounts(policyText, accountId, everyone);
  return { accounts: verdict.coveredBy ?? [], unbounded: verdict.shared };
}

function accountOf(principal: string): string | undefined {
  if (/^\d{12}$/.test(principal)) return principal;
  return /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(principal)?.[1];
}

/** The principals outside `accountId` a statement allows, with their account when it names one. */
function outsiders(principal: unknown, condition: unknown, accountId: string): Array<{ text: string; account?: string }> {
  if (principal === '*') return [{ text: 'any principal ("*")' }];
  if (principal === null || typeof principal !== 'object') return [];
  const found: Array<{ text: string; account?: string }> = [];
  const { AWS: aws, Service: service } = principal as { AWS?: unknown; Service?: unknown };
  for (const entry of [aws].flat().filter((p): p is string => typeof p === 'string')) {
    if (entry === '*') return [{ text: 'any AWS principal ("*")' }];
    const account = accountOf(entry);
    if (account === undefined) return [{ text: entry }];
    if (account !== accountId) found.push({ text: entry, account });
  }
  // A service principal (e.g. lambda.amazonaws.com) acts for whichever account its condition names.
  if (service !== undefined) {
    const accounts = JSON.stringify(condition ?? {}).match(/\b\d{12}\b/g) ?? [];
    for (const other of new Set(accounts.filter((account) => account !== accountId))) found.push({ text: `${String(service)} on behalf of account ${other}`, account: other });
  }
  return found;
}
