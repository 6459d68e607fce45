import { parseConfig, type Config } from '../../config.js';
import { configDifferences } from '../../domain/config-diff.js';
import type { Scope } from '../../domain/facts.js';
import { ASSUMING_FUNCTIONS, concreteChecks, functionLogicalId, grantStatement, roleLogicalId, stackFunctions, type StackValues } from '../../domain/stack-permissions.js';
import { trusts } from '../../domain/trust-policy.js';

/** A stack as CloudFormation describes it: status, outputs, and each resource's physical id by logical id. */
export interface DeployedStackView {
  readonly status: string;
  readonly outputs: Readonly<Record<string, string>>;
  readonly resources: Readonly<Record<string, string>>;
}

/** Whether CloudTrail records the management events the rules follow, in one region. */
export interface TrailView {
  readonly trails: readonly string[];
  /** A trail that is logging and includes management write events (basic or advanced selectors). */
  readonly logsManagementEvents: boolean;
}

/** What `doctor` reads in an account it reaches (the central one with the operator's credentials, a member through its reader role). */
export interface AccountInspector {
  trails(region: string): Promise<TrailView>;
}

export interface CentralInspector extends AccountInspector {
  callerAccount(): Promise<string>;
  stack(name: string): Promise<DeployedStackView | undefined>;
  functionEnvironment(functionName: string): Promise<Readonly<Record<string, string>>>;
  /** iam:SimulatePrincipalPolicy of `actions` on `resource` for a role: the decision of each. */
  simulate(roleArn: string, actions: readonly string[], resource: string, context?: Readonly<Record<string, string>>): Promise<ReadonlyArray<{ action: string; allowed: boolean }>>;
}

export interface MemberInspector extends AccountInspector {
  /** The reader role's trust policy (iam:GetRole on itself). */
  trustPolicy(): Promise<string>;
  /** The rules in `region` that target `busArn` (events:ListRuleNamesByTarget). */
  rulesTargeting(region: string, busArn: string): Promise<readonly string[]>;
}

export interface DoctorDeps {
  readonly central: CentralInspector;
  /** A member through its reader role; throws (naming why) when the role cannot be assumed. */
  readonly member: (accountId: string) => Promise<MemberInspector>;
  /** The organisation's member scopes (config `organization`: listed, or discovered). */
  readonly members: () => Promise<readonly Scope[]>;
  /** The ledger table, read-only: its layout (undefined: empty) and the home scope's last reconcile. */
  readonly ledger: (table: string) => { layout(): Promise<{ version?: number; current: number }>; lastReconcile(scope: Scope): Promise<string | undefined>; lastSweep(scope: Scope): Promise<{ at: string; mode: string } | undefined> };
  readonly clock: () => Date;
}

export interface DoctorCheck {
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
  /** How to fix a finding. */
  readonly fix?: string;
}

export interface DoctorReport {
  readonly stage: string;
  readonly stack: string;
  readonly region: string;
  readonly checks: readonly DoctorCheck[];
  readonly findings: number;
}

const ok = (check: string, detail: string): DoctorCheck => ({ check, ok: true, detail });
const finding = (check: string, detail: string, fix: string): DoctorCheck => ({ check, ok: false, detail, fix });

/**
 * `ecr-ledger doctor`: checks a deployed stack with the operator's credentials, reading only — the stack and its
 * outputs; each function role against what its code calls (iam:SimulatePrincipalPolicy); each configured member's
 * reader role, trust and forwarding rules; CloudTrail in each region; the ledger's layout, last reconcile and sweep;
 * and whether the sweep is still a dry run.
 */
export async function runDoctor(deps: DoctorDeps, options: { stage: string; region: string; config: Config; configFile?: string }): Promise<DoctorReport> {
  const name = `ecr-ledger-${options.stage}`;
  const checks: DoctorCheck[] = [];
  const report = () => ({ stage: options.stage, stack: name, region: options.region, checks, findings: checks.filter((c) => !c.ok).length });
  const account = await deps.central.callerAccount();
  const stack = await deps.central.stack(name);
  if (!stack) {
    checks.push(finding('stack', `no stack ${name} in ${account}/${options.region}`, `deploy it: npx osls deploy --stage ${options.stage} --region ${options.region} --param="config=FILE" --param="managedRepositories=…" (docs/deploying.md)`));
    return report();
  }
  const healthy = /_COMPLETE$/.test(stack.status) && !/ROLLBACK|DELETE/.test(stack.status);
  checks.push(healthy ? ok('stack', `${name} ${stack.status}; outputs: ${Object.entries(stack.outputs).map(([k, v]) => `${k}=${v}`).join(', ') || 'none'}`)
    : finding('stack', `${name} is ${stack.status}`, 'read the stack\'s events in CloudFormation and deploy again'));
  const partition = options.region.startsWith('cn-') ? 'aws-cn' : options.region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  const sweepFn = stack.resources[functionLogicalId('sweep')];
  const sweepEnv = sweepFn ? await deps.central.functionEnvironment(sweepFn) : {};
  const values = stackValues(stack, { account, region: options.region, partition, config: options.config, managed: sweepEnv.MANAGED_REPOSITORIES });
  checks.push(...await roleChecks(deps, stack, values, account, partition));
  if (options.configFile !== undefined) checks.push(configCheck(sweepEnv.ECR_LEDGER_CONFIG, options.config, options.configFile));
  checks.push(sweepEnv.DRY_RUN === 'false' ? ok('dry run', 'off: the nightly sweep deletes') : ok('dry run', 'on: the nightly sweep deletes nothing; redeploy with --param="dryRun=false" once its reports look right'));
  const table = stack.resources.LedgerTable;
  if (table) checks.push(...await ledgerChecks(deps, table, { accountId: account, region: options.region }, options.config));
  checks.push(trailCheck(`cloudtrail ${account}/${options.region}`, await deps.central.trails(options.region)));
  if (options.config.organization) checks.push(...await memberChecks(deps, stack, { account, region: options.region, partition, stage: options.stage }));
  return report();
}

/** The deployed config (the sweep's ECR_LEDGER_CONFIG) against the file given: each difference named. */
function configCheck(deployedText: string | undefined, file: Config, path: string): DoctorCheck {
  if (deployedText === undefined) return finding('config', 'the sweep function carries no ECR_LEDGER_CONFIG', 'deploy this version with --param="config=FILE"');
  let deployed: Config;
  try {
    deployed = parseConfig(JSON.parse(deployedText));
  } catch (error) {
    return finding('config', `the deployed config cannot be read: ${(error as Error).message}`, `deploy again with --param="config=${path}"`);
  }
  const differences = configDifferences(deployed, file);
  return differences.length === 0 ? ok('config', `the deployed config is ${path}'s`)
    : finding('config', `the deployed config differs from ${path} in ${differences.length} key(s): ${differences.slice(0, 10).join('; ')}${differences.length > 10 ? `; and ${differences.length - 10} more` : ''}`, `deploy with --param="config=${path}" (or pass the file the stack was deployed with)`);
}

/** The values the required permissions' patterns name, from the deployed stack and the config. */
function stackValues(stack: DeployedStackView, o: { account: string; region: string; partition: string; config: Config; managed?: string }): StackValues {
  const arn = (service: string, rest: string) => `arn:${o.partition}:${service}:${o.region}:${o.account}:${rest}`;
  const queue = (id: string) => (stack.resources[id] ? arn('sqs', stack.resources[id]!.split('/').pop()!) : undefined);
  const webhook = o.config.notice?.webhookParameter;
  return {
    'AWS::Partition': o.partition, 'AWS::Region': o.region, 'AWS::AccountId': o.account,
    Discovers: o.config.organization && 'discover' in o.config.organization ? 'true' : 'false',
    'LedgerTable.Arn': stack.resources.LedgerTable && arn('dynamodb', `table/${stack.resources.LedgerTable}`),
    'ReconcileWorkQueue.Arn': queue('ReconcileWorkQueue'), 'SweepContinueQueue.Arn': queue('SweepContinueQueue'), 'FailedEventsQueue.Arn': queue('FailedEventsQueue'),
    'ReportBucket.Arn': stack.resources.ReportBucket && `arn:${o.partition}:s3:::${stack.resources.ReportBucket}`,
    AlarmTopic: stack.resources.AlarmTopic,
    ManagedRepository: o.managed?.split(',')[0],
    'WebhookParameter.Arn': webhook && arn('ssm', `parameter${webhook.startsWith('/') ? '' : '/'}${webhook}`),
    // The members' reader role only organisation-wide (a single-account stack is granted no sts:AssumeRole), and only
    // in a member: a listed account, or (discovered) any account of the organisation.
    ReaderRoleName: o.config.organization?.roleName,
    MemberAccount: o.config.organization && 'accounts' in o.config.organization ? o.config.organization.accounts[0]?.id : undefined,
    OrganizationId: o.config.organization?.id,
  };
}

async function roleChecks(deps: DoctorDeps, stack: DeployedStackView, values: StackValues, account: string, partition: string): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  for (const fn of stackFunctions()) {
    const role = stack.resources[roleLogicalId(fn)];
    if (!role) continue;
    const roleArn = `arn:${partition}:iam::${account}:role/${role}`;
    const byResource = new Map<string, string[]>();
    const grantOf = new Map<string, string>();
    // Discovery only with organization.discover: without it the role is granted no organizations:*.
    const discovers = values.Discovers === 'true';
    for (const c of concreteChecks(fn, values).filter((x) => discovers || !x.action.startsWith('organizations:'))) {
      byResource.set(c.resource, [...(byResource.get(c.resource) ?? []), c.action]);
      grantOf.set(c.resource, c.grant);
    }
    const denied: Array<{ action: string; resource: string; grant: string }> = [];
    for (const [resource, actions] of byResource) {
      // The organisation of the account whose role is assumed (IAM's aws:ResourceOrgID), as AWS would see it.
      const context = actions.includes('sts:AssumeRole') && values.OrganizationId ? { 'aws:ResourceOrgID': values.OrganizationId } : undefined;
      for (const decision of await deps.central.simulate(roleArn, actions, resource, context)) if (!decision.allowed) denied.push({ action: decision.action, resource, grant: grantOf.get(resource)! });
    }
    const asked = [...byResource.values()].reduce((n, a) => n + a.length, 0);
    if (denied.length === 0) checks.push(ok(`role ${fn}`, `${role}: allows the ${asked} calls its code makes`));
    else {
      const statements = [...new Set(denied.map((d) => d.grant))].map((g) => grantStatement(denied.filter((d) => d.grant === g).map((d) => d.action), g));
      checks.push(finding(`role ${fn}`, `${role} is denied ${denied.map((d) => `${d.action} on ${d.resource}`).join('; ')}`, `redeploy the stack from this version of ecr-ledger, or add to the role:\n${statements.join('\n')}`));
    }
  }
  return checks;
}

async function ledgerChecks(deps: DoctorDeps, table: string, home: Scope, config: Config): Promise<DoctorCheck[]> {
  const ledger = deps.ledger(table);
  const checks: DoctorCheck[] = [];
  const { version, current } = await ledger.layout();
  if (version === undefined) checks.push(finding('ledger table', `${table} holds nothing yet`, `run the first reconcile: ecr-ledger reconcile --table ${table} (docs/deploying.md, "After the first deploy")`));
  else if (version < current) checks.push(finding('ledger table', `${table} has layout ${version}; this ecr-ledger writes ${current}`, `the deployed reconcile upgrades it on its next run, or: ecr-ledger upgrade --table ${table}`));
  else if (version > current) checks.push(finding('ledger table', `${table} has layout ${version}, newer than this ecr-ledger reads (${current})`, 'upgrade the ecr-ledger CLI'));
  else checks.push(ok('ledger table', `${table}: layout ${version} (current)`));
  const now = deps.clock().getTime();
  const reconciled = await ledger.lastReconcile(home);
  const hours = reconciled === undefined ? undefined : (now - Date.parse(reconciled)) / 3_600_000;
  if (hours === undefined) checks.push(finding('last reconcile', `${home.accountId}/${home.region} was never reconciled`, `run ecr-ledger reconcile --table ${table} once, then the daily reconcile keeps it fresh`));
  else if (hours > config.sweep.maxLedgerAgeHours) checks.push(finding('last reconcile', `${reconciled} (${Math.round(hours)} h ago): older than sweep.maxLedgerAgeHours (${config.sweep.maxLedgerAgeHours}), so the sweep refuses to run`, 'read the reconcile function\'s errors (FunctionErrorsAlarm, the failed-events queue) and its schedule'));
  else checks.push(ok('last reconcile', `${reconciled} (${Math.round(hours)} h ago)`));
  const swept = await ledger.lastSweep(home);
  checks.push(ok('last sweep', swept ? `${swept.at} (${swept.mode})` : 'no sweep run recorded yet (the nightly sweep runs at its schedule)'));
  return checks;
}

function trailCheck(check: string, trail: TrailView): DoctorCheck {
  if (trail.logsManagementEvents) return ok(check, `management events logged (${trail.trails.join(', ')})`);
  return finding(check, trail.trails.length === 0 ? 'no CloudTrail trail: task definitions, services, functions and repositories changes never reach EventBridge' : `no trail of ${trail.trails.join(', ')} is logging management write events`,
    'create or start a trail that logs management events there (e.g. aws cloudtrail create-trail --name ecr-ledger --s3-bucket-name BUCKET --is-multi-region-trail, then aws cloudtrail start-logging --name ecr-ledger)');
}

async function memberChecks(deps: DoctorDeps, stack: DeployedStackView, o: { account: string; region: string; partition: string; stage: string }): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const members = (await deps.members()).filter((s) => s.accountId !== o.account);
  const busArn = `arn:${o.partition}:events:${o.region}:${o.account}:event-bus/${stack.resources.CentralEventBus ?? `ecr-ledger-${o.stage}`}`;
  const assuming = ASSUMING_FUNCTIONS.map((fn) => stack.resources[roleLogicalId(fn)]).filter((r): r is string => r !== undefined).map((r) => `arn:${o.partition}:iam::${o.account}:role/${r}`);
  for (const accountId of [...new Set(members.map((s) => s.accountId))]) {
    let member: MemberInspector;
    try {
      member = await deps.member(accountId);
    } catch (error) {
      checks.push(finding(`member ${accountId}`, `its reader role cannot be assumed: ${(error as Error).message}`, 'deploy deploy/member-account.yml to it (a StackSet across the organisation), with the ARN of your role in OperatorRoleArns to run doctor and the CLI'));
      continue;
    }
    const trust = await member.trustPolicy();
    const missing = assuming.filter((arn) => !trusts(trust, arn));
    checks.push(missing.length === 0 ? ok(`member ${accountId}`, `the reader role trusts the ${assuming.length} central roles that read members`)
      : finding(`member ${accountId}`, `the reader role does not trust ${missing.join(', ')}`, `update its member stack with CentralAccountId=${o.account}, CentralStage=${o.stage}, CentralRegion=${o.region}`));
    for (const region of [...new Set(members.filter((s) => s.accountId === accountId).map((s) => s.region))]) {
      const rules = await member.rulesTargeting(region, busArn);
      checks.push(rules.length >= 3 ? ok(`forwarding ${accountId}/${region}`, `${rules.length} rules forward to ${busArn}`)
        : finding(`forwarding ${accountId}/${region}`, `${rules.length} rule(s) forward to ${busArn} (the member template creates 3)`, `deploy deploy/member-account.yml in ${accountId}/${region} with CentralEventBusArn=${busArn}`));
      checks.push(trailCheck(`cloudtrail ${accountId}/${region}`, await member.trails(region)));
    }
  }
  return checks;
}
