/** Who a repository policy lets pull, outside the registry's own account. */
export interface RepositoryGrants {
  /** Accounts named (a root, a role or user ARN, an account id, a service acting for an account). */
  readonly accounts: ReadonlyArray<{ readonly account: string; readonly text: string }>;
  /** Organisations granted by `aws:PrincipalOrgID` or `aws:PrincipalOrgPaths` alone (`o-…`). */
  readonly organizations: readonly string[];
  /** A grant no account list bounds (`*`, `NotPrincipal`, a principal or condition this parser cannot read): why. */
  readonly unbounded?: string;
}

/** How a grant to an account is said (`explain`, `init`, refusals). */
export const accountGrantText = (principal: string) => `its repository policy allows ${principal} to pull`;
/** How an organisation grant is said. */
export const organizationGrantText = (organization: string) => `its repository policy allows every account of organisation ${organization} to pull`;

/** Why a repository is shared with other accounts (its first grant), or undefined when it is not. */
export function sharingReason(grants: RepositoryGrants): string | undefined {
  if (grants.unbounded !== undefined) return grants.unbounded;
  if (grants.accounts[0]) return accountGrantText(grants.accounts[0].text);
  return grants.organizations[0] ? organizationGrantText(grants.organizations[0]) : undefined;
}

const NONE: RepositoryGrants = { accounts: [], organizations: [] };
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;

/** Reads a repository policy: every Allow statement's principals outside `accountId`. Deny statements only narrow, so they are passed over. */
export function repositoryGrants(policyText: string | undefined, accountId: string): RepositoryGrants {
  if (policyText === undefined || policyText.trim() === '') return NONE;
  let policy: { Statement?: unknown };
  try {
    policy = JSON.parse(policyText) as { Statement?: unknown };
  } catch {
    return { ...NONE, unbounded: 'its repository policy cannot be read, so other accounts may pull' };
  }
  const accounts = new Map<string, string>();
  const organizations = new Set<string>();
  const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
  for (const statement of statements as Array<Record<string, unknown> | undefined>) {
    if (statement?.Effect !== 'Allow') continue;
    if (statement.NotPrincipal !== undefined) return { ...NONE, unbounded: 'its repository policy allows everyone but the principals it names (NotPrincipal)' };
    const read = statementGrants(statement.Principal, statement.Condition, accountId);
    if ('unbounded' in read) return { ...NONE, unbounded: read.unbounded };
    for (const a of read.accounts) if (!accounts.has(a.account)) accounts.set(a.account, a.text);
    if (read.organization) organizations.add(read.organization);
  }
  return { accounts: [...accounts].sort(([a], [b]) => a.localeCompare(b)).map(([account, text]) => ({ account, text })), organizations: [...organizations].sort() };
}

function accountOf(principal: string): string | undefined {
  if (/^\d{12}$/.test(principal)) return principal;
  return /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(principal)?.[1];
}

type StatementGrants = { accounts: Array<{ account: string; text: string }>; organization?: string } | { unbounded: string };

function statementGrants(principal: unknown, condition: unknown, accountId: string): StatementGrants {
  const everyone = principal === '*' || (typeof principal === 'object' && principal !== null && [(principal as { AWS?: unknown }).AWS].flat().includes('*'));
  if (everyone) {
    const organization = organizationCondition(condition);
    return organization ? { accounts: [], organization } : { unbounded: `its repository policy allows any principal ("*")${condition === undefined ? '' : ' under a condition ecr-ledger does not read as an organisation'} to pull` };
  }
  if (principal === null || typeof principal !== 'object') return { accounts: [] };
  const accounts: Array<{ account: string; text: string }> = [];
  const { AWS: aws, Service: service } = principal as { AWS?: unknown; Service?: unknown };
  for (const entry of [aws].flat().filter((p): p is string => typeof p === 'string')) {
    const account = accountOf(entry);
    if (account === undefined) return { unbounded: accountGrantText(entry) };
    if (account !== accountId) accounts.push({ account, text: entry });
  }
  // A service principal (e.g. lambda.amazonaws.com) acts for whichever account its condition names.
  if (service !== undefined) {
    const named = JSON.stringify(condition ?? {}).match(/\b\d{12}\b/g) ?? [];
    for (const other of new Set(named.filter((account) => account !== accountId))) accounts.push({ account: other, text: `${String(service)} on behalf of account ${other}` });
  }
  return { accounts };
}

/**
 * The organisation a `*` grant is bounded by, when its only condition is `aws:PrincipalOrgID` equal to one organisation
 * (StringEquals, or StringLike without wildcards) or `aws:PrincipalOrgPaths` under one; anything else is not bounded.
 */
function organizationCondition(condition: unknown): string | undefined {
  if (condition === null || typeof condition !== 'object') return undefined;
  const operators = Object.entries(condition as Record<string, unknown>);
  if (operators.length !== 1) return undefined;
  const [operator, keys] = operators[0]!;
  if (keys === null || typeof keys !== 'object') return undefined;
  const entries = Object.entries(keys as Record<string, unknown>);
  if (entries.length !== 1) return undefined;
  const [key, value] = entries[0]!;
  const values = [value].flat();
  if (values.length === 0 || !values.every((v): v is string => typeof v === 'string')) return undefined;
  const op = operator.toLowerCase().replace(/^forallvalues:|^foranyvalue:/, '');
  let orgs: string[];
  if (key.toLowerCase() === 'aws:principalorgid') {
    if (op !== 'stringequals' && !(op === 'stringlike' && values.every((v) => !/[*?]/.test(v)))) return undefined;
    orgs = values;
  } else if (key.toLowerCase() === 'aws:principalorgpaths') {
    if (op !== 'stringequals' && op !== 'stringlike') return undefined;
    // A path names its organisation first (`o-…/r-…/ou-…/`); a wildcard there could match any organisation.
    orgs = values.map((v) => v.split('/')[0]!);
  } else return undefined;
  const distinct = [...new Set(orgs)];
  return distinct.length === 1 && ORGANIZATION_ID.test(distinct[0]!) ? distinct[0] : undefined;
}
