/** An IAM policy statement, as far as a role's trust policy is read here. */
interface TrustStatement {
  readonly Effect?: string;
  readonly Action?: string | readonly string[];
  readonly Principal?: { readonly AWS?: string | readonly string[] } | string;
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

const list = <T>(value: T | readonly T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? [...value] : [value as T]);
const glob = (pattern: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);

/**
 * Whether a role's trust policy (JSON, as iam:GetRole returns it URL-encoded or plain) lets the role `roleArn` assume
 * it: an Allow of sts:AssumeRole naming the role, or its account's root with no condition but `aws:PrincipalArn`
 * ArnLike/StringLike patterns one of which matches. Other conditions are not judged: such a statement does not count.
 */
export function trusts(policyText: string, roleArn: string): boolean {
  const text = policyText.trim().startsWith('%') || policyText.includes('%22') ? decodeURIComponent(policyText) : policyText;
  const account = /^arn:[^:]+:iam::(\d{12}):/.exec(roleArn)?.[1];
  const statements = list((JSON.parse(text) as { Statement?: TrustStatement | TrustStatement[] }).Statement);
  return statements.some((s) => {
    if (s.Effect !== 'Allow' || !list(s.Action).some((a) => a === 'sts:AssumeRole' || a === 'sts:*')) return false;
    const principals = typeof s.Principal === 'string' ? [s.Principal] : list(s.Principal?.AWS);
    if (principals.includes(roleArn)) return !s.Condition;
    if (!principals.some((p) => p === `arn:aws:iam::${account}:root` || /^arn:[^:]+:iam::(\d{12}):root$/.exec(p)?.[1] === account || p === account)) return false;
    const operators = Object.entries(s.Condition ?? {});
    if (operators.length === 0) return true;
    return operators.every(([operator, keys]) => /^(ArnLike|StringLike|ArnEquals|StringEquals)$/.test(operator) && Object.entries(keys).every(([key, values]) => key.toLowerCase() === 'aws:principalarn' && list(values).some((v) => (/Like$/.test(operator) ? glob(v).test(roleArn) : v === roleArn))));
  });
}
