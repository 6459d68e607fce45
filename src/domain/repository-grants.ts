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

/** How a statement is named where it is said: its Sid, else its position (1-based). */
const statementName = (statement: Record<string, unknown>, index: number) => (typeof statement.Sid === 'string' && statement.Sid !== '' ? `statement "${statement.Sid}"` : `statement #${index + 1}`);

/**
 * Reads a repository policy: every Allow statement's principals outside `accountId`. Deny statements only narrow, so
 * they are passed over. What it cannot bound to named accounts (or one organisation) is unbounded, naming the
 * statement and why: ecr-ledger treats what it does not fully understand as reaching everything.
 */
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
  for (const [index, statement] of (statements as Array<Record<string, unknown> | undefined>).entries()) {
    if (statement?.Effect !== 'Allow') continue;
    const name = statementName(statement, index);
    if (statement.NotPrincipal !== undefined) return { ...NONE, unbounded: `its repository policy (${name}) allows everyone but the principals it names (NotPrincipal)` };
    const read = statementGrants(statement.Principal, statement.Condition, accountId);
    if ('unbounded' in read) return { ...NONE, unbounded: `${read.unbounded} (${name})` };
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
  if (principal === null || typeof principal !== 'object') return { unbounded: `its repository policy names a principal ecr-ledger cannot read (${JSON.stringify(principal)})` };
  const accounts: Array<{ account: string; text: string }> = [];
  const { AWS: aws, Service: service, ...others } = principal as { AWS?: unknown; Service?: unknown };
  if (Object.keys(others).length > 0) return { unbounded: `its repository policy names ${Object.keys(others).join(', ')} principals, which ecr-ledger does not bound to accounts` };
  for (const entry of [aws].flat().filter((p) => p !== undefined)) {
    const account = typeof entry === 'string' ? accountOf(entry) : undefined;
    if (account === undefined) return { unbounded: accountGrantText(String(entry)) };
    if (account !== accountId) accounts.push({ account, text: entry as string });
  }
  // A service principal (lambda.amazonaws.com) acts for whichever account invokes it: bounded only by a condition that
  // pins the source account (aws:SourceAccount, or aws:SourceArn with a literal account) or organisation (aws:SourceOrgID).
  const services = [service].flat().filter((p) => p !== undefined).map(String);
  if (services.length > 0) {
    const source = sourceCondition(condition);
    if (!source) {
      return { unbounded: `its repository policy allows the service principal ${services.join(', ')} to pull for any account: ${condition === undefined ? 'no condition' : 'no condition pins aws:SourceAccount, aws:SourceArn with a literal account, or aws:SourceOrgID'} bounds it` };
    }
    if ('organization' in source) return { accounts, organization: source.organization };
    for (const other of source.accounts.filter((a) => a !== accountId)) accounts.push({ account: other, text: `${services.join(', ')} on behalf of account ${other}` });
  }
  return { accounts };
}

/** Plain positive operators: `…IfExists` passes when the key is absent, `Not…` and `ForAllValues:` do not bound. */
const POSITIVE = new Set(['stringequals', 'stringlike', 'arnequals', 'arnlike', 'foranyvalue:stringequals', 'foranyvalue:stringlike']);
const LITERAL_ACCOUNT = /^\d{12}$/;

/**
 * The accounts (or organisation) a service principal's condition pins it to, or undefined when none does. Conditions
 * are ANDed, so one key that pins is enough; a key this does not read only narrows further.
 */
function sourceCondition(condition: unknown): { accounts: string[] } | { organization: string } | undefined {
  if (condition === null || typeof condition !== 'object') return undefined;
  for (const [operator, keys] of Object.entries(condition as Record<string, unknown>)) {
    if (!POSITIVE.has(operator.toLowerCase()) || keys === null || typeof keys !== 'object') continue;
    for (const [key, value] of Object.entries(keys as Record<string, unknown>)) {
      const values = [value].flat();
      if (values.length === 0 || !values.every((v): v is string => typeof v === 'string')) continue;
      const k = key.toLowerCase();
      if (k === 'aws:sourceaccount' && values.every((v) => LITERAL_ACCOUNT.test(v))) return { accounts: values };
      if (k === 'aws:sourcearn') {
        const owners = values.map((v) => v.split(':')[4] ?? '');
        if (owners.every((a) => LITERAL_ACCOUNT.test(a))) return { accounts: owners };
      }
      if (k === 'aws:sourceorgid' && values.length === 1 && ORGANIZATION_ID.test(values[0]!) && !operator.toLowerCase().endsWith('like')) return { organization: values[0]! };
    }
  }
  return undefined;
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
