import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { Statement } from './packaged-stack.js';

/** Calls IAM does not authorise: GetCallerIdentity needs no permission (AWS STS API reference). */
const NEEDS_NO_PERMISSION = new Set(['sts:GetCallerIdentity']);

/** Whether a role's statements allow `action` on `resource` (IAM's identity-policy evaluation, offline). */
export async function allows(statements: readonly Statement[], principal: string, accountId: string, action: string, resource: string, contextVariables: Record<string, string> = {}): Promise<boolean> {
  if (NEEDS_NO_PERMISSION.has(action)) return true;
  const result = await runSimulation({
    identityPolicies: [{ name: 'role', policy: { Version: '2012-10-17', Statement: statements as never } }],
    serviceControlPolicies: [], resourceControlPolicies: [],
    request: { action, principal, resource: { resource, accountId }, contextVariables },
  } as never, {});
  if (result.resultType === 'error') throw new Error(`the IAM simulator cannot evaluate ${action} on ${resource}: ${JSON.stringify(result.errors)}`);
  return result.overallResult === 'Allowed';
}

/**
 * Whether a role's trust policy lets `callerRoleArn` assume it (IAM's resource-policy evaluation, offline): the
 * caller's own policy is taken to allow the call, so the trust alone decides; `aws:PrincipalArn` is the caller's role.
 */
export async function trustAllows(trust: readonly unknown[], callerRoleArn: string, roleArn: string, accountId: string): Promise<boolean> {
  const caller = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(callerRoleArn);
  if (!caller) throw new Error(`${callerRoleArn} is not a role ARN`);
  const result = await runSimulation({
    identityPolicies: [{ name: 'caller', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleArn }] } }],
    serviceControlPolicies: [], resourceControlPolicies: [],
    resourcePolicy: { Version: '2012-10-17', Statement: trust },
    request: { action: 'sts:AssumeRole', principal: `arn:aws:sts::${caller[1]}:assumed-role/${caller[2]}/session`, resource: { resource: roleArn, accountId }, contextVariables: { 'aws:PrincipalArn': callerRoleArn } },
  } as never, {});
  if (result.resultType === 'error') throw new Error(`the IAM simulator cannot evaluate sts:AssumeRole of ${roleArn}: ${JSON.stringify(result.errors)}`);
  return result.overallResult === 'Allowed';
}

/** Whether a statement's action list names `action` (IAM action names are case-insensitive; wildcards are not used). */
export const statementActions = (statements: readonly Statement[]): string[] => [...new Set(statements.filter((s) => s.Effect === 'Allow').flatMap((s) => [s.Action].flat()))];
