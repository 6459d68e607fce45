import { readFileSync, writeFileSync } from 'node:fs';
import picomatch from 'picomatch';
import { readCfnYaml } from '../../support/cfn-yaml.js';
import type { DeployedStack } from './deployed-stack.js';
import { allows } from './iam.js';
import type { Statement } from './packaged-stack.js';
import { UNEXERCISED_GRANTS } from './unexercised-grants.js';

export interface StackRun {
  readonly name: string;
  readonly stack: DeployedStack;
}

/** What the code needs, as deploy/required-permissions.json keeps it: per function (and the member reader role) its actions and resource patterns. */
export type RequiredPermissions = Record<string, Array<{ action: string; resource: string }>>;

export const PERMISSIONS_FILE = 'deploy/required-permissions.json';
export const MEMBER_ROLE = 'member reader role';

/** The organisation the fake members belong to (test/deploy/stacks/organization.yaml's organization.id). */
const MEMBERS_ORGANIZATION = 'o-abcdefghij';

/** The member reader role's statements in `accountId`, as deploy/member-account.yml gives them (its `!Sub` resources resolved). */
function memberReaderStatements(accountId: string): Statement[] {
  const template = readCfnYaml<{ Resources: { ReaderRole: { Properties: { Policies: Array<{ PolicyDocument: { Statement: Statement[] } }> } } } }>('deploy/member-account.yml');
  const sub = (r: unknown) => (typeof r === 'string' ? r : (r as { 'Fn::Sub': string })['Fn::Sub'].replaceAll('${AWS::Partition}', 'aws').replaceAll('${AWS::AccountId}', accountId).replaceAll('${ReaderRoleName}', 'ecr-ledger-reader'));
  return template.Resources.ReaderRole.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement).map((st) => ({ ...st, Resource: [st.Resource].flat().map(sub) }));
}

/**
 * A resource ARN a call named, as a pattern over the stack (`${LedgerTable.Arn}/index/byRepository`, `${ManagedRepository}`):
 * the same for every stage, region and account, and what `doctor` fills in from the deployed stack.
 */
export function patternOf(stack: DeployedStack, action: string, resource: string, accountId: string): string {
  if (resource === '*') return '*';
  const t = stack.template;
  const named: Array<[string, string]> = [];
  for (const id of ['LedgerTable', 'ReconcileWorkQueue', 'SweepContinueQueue', 'FailedEventsQueue', 'ReportBucket']) named.push([t.attribute(id, 'Arn'), `\${${id}.Arn}`]);
  named.push([t.ref('AlarmTopic'), '${AlarmTopic}']);
  let pattern = resource;
  for (const [value, name] of named) if (pattern.startsWith(value)) pattern = name + pattern.slice(value.length);
  const managed = (stack.template.functions.get('sweep')!.environment.MANAGED_REPOSITORIES ?? '').split(',');
  if (DESTRUCTIVE.has(action) && managed.some((m) => picomatch(m)(pattern))) return '${ManagedRepository}';
  pattern = pattern
    .replace(/^\$\{ReportBucket\.Arn\}\/reports\/.*$/, '${ReportBucket.Arn}/reports/*')
    .replace(/^arn:aws:ssm:[^:]+:\d{12}:parameter\/.*$/, '${WebhookParameter.Arn}')
    .replace(/^arn:aws:iam::\d{12}:role\/.*$/, 'arn:${AWS::Partition}:iam::*:role/${ReaderRoleName}')
    .replace(/:(repository\/|function:|cluster\/).*$/, ':$1*');
  const home = stack.cloud.home.accountId;
  return pattern.replaceAll('arn:aws:', 'arn:${AWS::Partition}:').replaceAll(`:${t.region}:`, ':${AWS::Region}:').replaceAll(`:${accountId === home ? home : accountId}:`, accountId === home ? ':${AWS::AccountId}:' : ':${MemberAccountId}:');
}

/** The only actions that destroy: granted on the stack's managedRepositories alone. */
const DESTRUCTIVE = new Set(['ecr:BatchDeleteImage', 'ecr:UpdateImageStorageClass']);

const sorted = (list: Array<{ action: string; resource: string }>) => [...new Map(list.map((p) => [`${p.action} ${p.resource}`, p])).values()].sort((a, b) => `${a.action} ${a.resource}`.localeCompare(`${b.action} ${b.resource}`));

/**
 * Evaluates every call the functions made against the role that made it (the function's own; a member's reader role
 * for calls with its credentials), and every grant against the calls: a grant no call used is a finding unless
 * UNEXERCISED_GRANTS gives the reason. Also derives what the code needs (RequiredPermissions).
 */
/** What IAM knows of a request beyond its action and resource: the organisation of a member's role being assumed. */
const contextOf = (stack: StackRun['stack'], call: { action: string; resource: string }): Record<string, string> => {
  const account = /^arn:aws:iam::(\d{12}):role\//.exec(call.resource)?.[1];
  return call.action === 'sts:AssumeRole' && account !== undefined && stack.cloud.accounts.has(account) && account !== stack.cloud.home.accountId ? { 'aws:ResourceOrgID': stack.cloud.organizationId ?? MEMBERS_ORGANIZATION } : {};
};

/** Whether the role a call is made with allows it: the function's own role in the home account, a member's reader role elsewhere. */
export async function callAllowed(template: DeployedStack['template'], cloud: DeployedStack['cloud'], fn: string, accountId: string, action: string, resource: string): Promise<boolean> {
  const packaged = template.functions.get(fn);
  if (!packaged) return false;
  const own = accountId === cloud.home.accountId;
  const statements = own ? packaged.statements : memberReaderStatements(accountId);
  const role = own ? packaged.roleName : MEMBER_ROLE;
  const context = contextOf({ cloud } as DeployedStack, { action, resource });
  return allows(statements, `arn:aws:iam::${accountId}:role/${role}`, accountId, action, resource, context);
}

export async function checkRoles(runs: readonly StackRun[]) {
  const denied: string[] = [];
  const used = new Set<string>();
  const granted = new Set<string>();
  const needed: Record<string, Array<{ action: string; resource: string }>> = {};
  for (const { name, stack } of runs) {
    const home = stack.cloud.home.accountId;
    const unique = [...new Map(stack.cloud.calls.map((c) => [`${c.fn} ${c.action} ${c.resource} ${c.accountId}`, c])).values()];
    for (const call of unique) {
      const fn = stack.template.functions.get(call.fn)!;
      const own = call.accountId === home;
      const statements = own ? fn.statements : memberReaderStatements(call.accountId);
      const role = own ? fn.roleName : MEMBER_ROLE;
      if (!(await allows(statements, `arn:aws:iam::${call.accountId}:role/${role}`, call.accountId, call.action, call.resource, contextOf(stack, call)))) denied.push(`${name}: ${call.fn} (role ${role}) is denied ${call.action} on ${call.resource}`);
      (needed[own ? call.fn : MEMBER_ROLE] ??= []).push({ action: call.action, resource: patternOf(stack, call.action, call.resource, call.accountId) });
    }
    for (const fn of stack.template.functions.values()) {
      for (const statement of fn.statements.filter((s) => s.Effect === 'Allow')) {
        for (const action of [statement.Action].flat()) {
          for (const resource of [statement.Resource].flat()) {
            const key = `${fn.name} ${action} ${patternOf(stack, action, resource, home)}`;
            granted.add(key);
            const calls = unique.filter((c) => c.fn === fn.name && c.accountId === home && c.action === action);
            for (const call of calls) if (await allows([{ Effect: 'Allow', Action: action, Resource: resource, ...(statement.Condition && { Condition: statement.Condition }) }], `arn:aws:iam::${home}:role/${fn.roleName}`, home, action, call.resource, contextOf(stack, call))) used.add(key);
          }
        }
      }
    }
  }
  const reviewed = (key: string) => UNEXERCISED_GRANTS.some((g) => g.matches.test(key));
  const unused = [...granted].filter((key) => !used.has(key) && !reviewed(key)).sort().map((key) => `granted but never used: ${key}`);
  const recorded: RequiredPermissions = Object.fromEntries(Object.entries(needed).sort(([a], [b]) => a.localeCompare(b)).map(([fn, list]) => [fn, sorted(list)]));
  if (process.env.UPDATE_PERMISSIONS === '1') writeFileSync(PERMISSIONS_FILE, `${JSON.stringify(recorded, null, 2)}\n`);
  const permissions = JSON.parse(readFileSync(PERMISSIONS_FILE, 'utf8')) as RequiredPermissions;
  return { denied, unused, recorded, permissions };
}
