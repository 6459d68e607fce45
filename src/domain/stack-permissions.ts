import required from '../../deploy/required-permissions.json' with { type: 'json' };

/**
 * What each function of the deployed stack calls, as the deployed-stack test derived it (deploy/required-permissions.json):
 * per function, IAM actions on resource patterns over the stack (`${LedgerTable.Arn}`, `${ManagedRepository}`, …).
 */
export type RequiredPermissions = Readonly<Record<string, ReadonlyArray<{ readonly action: string; readonly resource: string }>>>;

export const REQUIRED_PERMISSIONS: RequiredPermissions = required;

/** The member reader role's entry: not a function of the central stack. */
export const MEMBER_READER = 'member reader role';

/** The functions that assume the members' reader role (deploy/member-account.yml trusts them by name pattern). */
export const ASSUMING_FUNCTIONS = ['reconcileScope', 'sweep', 'sweepContinue', 'purgeRepository', 'ecrEvents', 'ecsEvents', 'apiCallEvents'] as const;

/** A function's role in the template: `sweep` → `SweepIamRoleLambdaExecution` (serverless-iam-roles-per-function). */
export const roleLogicalId = (fn: string) => `${fn[0]!.toUpperCase()}${fn.slice(1)}IamRoleLambdaExecution`;
export const functionLogicalId = (fn: string) => `${fn[0]!.toUpperCase()}${fn.slice(1)}LambdaFunction`;

/** The values a pattern names, from the deployed stack; a name with no value leaves its checks out. */
export type StackValues = Readonly<Record<string, string | undefined>>;

/** A stand-in for a pattern's wildcard: a resource the grant must cover (IAM simulates concrete resources). */
const SAMPLE = 'ecr-ledger-doctor-check';

/**
 * One check per (action, concrete resource) a function needs: each pattern's names filled in, its wildcards made a
 * sample name (`grant`: the resource a statement granting it names, wildcards kept). A pattern naming a value the stack does not have (no webhook parameter configured) is left out.
 */
export function concreteChecks(fn: string, values: StackValues, permissions: RequiredPermissions = REQUIRED_PERMISSIONS): Array<{ action: string; resource: string; grant: string }> {
  const checks: Array<{ action: string; resource: string; grant: string }> = [];
  for (const { action, resource: pattern } of permissions[fn] ?? []) {
    let missing = false;
    const filled = pattern.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      const value = values[name];
      if (value === undefined) missing = true;
      return value ?? '';
    });
    if (missing) continue;
    // A member's reader role is assumed in a member account (the roles may assume it nowhere else).
    const account = (action === 'sts:AssumeRole' ? values.MemberAccount : undefined) ?? values['AWS::AccountId'] ?? SAMPLE;
    const resource = filled === '*' ? '*' : filled.replace(/::\*:/, `::${account}:`).replace(/\*/g, SAMPLE);
    checks.push({ action, resource, grant: filled });
  }
  return checks;
}

/** The statement that grants what a role was denied, as serverless.yml writes it. */
export function grantStatement(actions: readonly string[], resource: string): string {
  return `- Effect: Allow\n  Action: [${actions.join(', ')}]\n  Resource: '${resource}'`;
}

/** The functions of the stack with their needs (not the member reader role). */
export const stackFunctions = (permissions: RequiredPermissions = REQUIRED_PERMISSIONS): string[] => Object.keys(permissions).filter((fn) => fn !== MEMBER_READER);
