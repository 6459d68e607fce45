/** Whether a repository policy lets principals outside the account pull; an unreadable policy counts as shared. */
export function sharedWithOtherAccounts(policyText: string | undefined, accountId: string): { shared: boolean; why?: string } {
  if (policyText === undefined || policyText.trim() === '') return { shared: false };
  let policy: { Statement?: unknown };
  try {
    policy = JSON.parse(policyText) as { Statement?: unknown };
  } catch {
    return { shared: true, why: 'its repository policy cannot be read, so other accounts may pull (kept to be safe)' };
  }
  const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
  for (const statement of statements as Array<{ Effect?: string; Principal?: unknown; Condition?: unknown }>) {
    if (statement?.Effect !== 'Allow') continue;
    const outsider = outsidePrincipal(statement.Principal, statement.Condition, accountId);
    if (outsider) return { shared: true, why: `its repository policy allows ${outsider} to pull` };
  }
  return { shared: false };
}

function accountOf(principal: string): string | undefined {
  if (/^\d{12}$/.test(principal)) return principal;
  return /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(principal)?.[1];
}

function outsidePrincipal(principal: unknown, condition: unknown, accountId: string): string | undefined {
  if (principal === '*') return 'any principal ("*")';
  if (principal === null || typeof principal !== 'object') return undefined;
  const { AWS: aws, Service: service } = principal as { AWS?: unknown; Service?: unknown };
  for (const entry of [aws].flat().filter((p): p is string => typeof p === 'string')) {
    if (entry === '*') return 'any AWS principal ("*")';
    const account = accountOf(entry);
    if (account === undefined || account !== accountId) return entry;
  }
  // A service principal (e.g. lambda.amazonaws.com) acts for whichever account its condition names.
  if (service !== undefined) {
    const accounts = JSON.stringify(condition ?? {}).match(/\b\d{12}\b/g) ?? [];
    const other = accounts.find((account) => account !== accountId);
    if (other) return `${String(service)} on behalf of account ${other}`;
  }
  return undefined;
}
