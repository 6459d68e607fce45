import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ledgerTableDefinition } from '../../src/adapters/ledger-table.js';
import { cloudTrailEvent } from '../fixtures/events/cloudtrail.js';
import { matchesPattern } from '../support/event-pattern.js';
import { readZip } from '../support/zip.js';

/** The CloudFormation template `npm run package` (osls package) builds; `npm test` runs the package step first. */
const TEMPLATE = '.serverless/cloudformation-template-update-stack.json';
if (!existsSync(TEMPLATE)) throw new Error(`${TEMPLATE} is missing: run \`npm run package\` (npm test does) before these tests`);
const template = JSON.parse(readFileSync(TEMPLATE, 'utf8')) as { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };
const resources = Object.entries(template.Resources);
const ofType = (type: string) => resources.filter(([, r]) => r.Type === type);
const rules = ofType('AWS::Events::Rule').filter(([, r]) => r.Properties.EventPattern);
const ruleFor = (fn: string) => rules.find(([, r]) => JSON.stringify(r.Properties.Targets).includes(`${fn}LambdaFunction`))![1].Properties;
const sample = (name: string) => JSON.parse(readFileSync(`test/fixtures/events/${name}.json`, 'utf8'));
const samples = readdirSync('test/fixtures/events').filter((f) => f.endsWith('.json')).map((f) => f.replace('.json', ''));

describe('the deployed event rules', () => {
  it('route each documented sample to its function and nothing else', () => {
    const expected: Record<string, string | undefined> = {
      'ecr-image-action-push': 'EcrEvents', 'ecr-image-action-delete': 'EcrEvents', 'ecr-image-action-archive': 'EcrEvents', 'ecr-image-action-restore': 'EcrEvents',
      'ecr-referrer-action-restore': 'EcrEvents', 'ecr-replication-action-success': 'EcrEvents', 'ecr-pull-through-cache-action': 'EcrEvents', 'ecr-image-scan-basic': undefined,
      'ecs-task-state-change-running': 'EcsEvents', 'ecs-deployment-state-change-completed': 'EcsEvents', 'ecs-deployment-state-change-failed': 'EcsEvents',
      'ecs-deployment-state-change-in-progress': 'EcsEvents', 'ecs-deployment-state-change-rollback-in-progress': 'EcsEvents', 'ecs-service-action-steady-state': 'EcsEvents',
      'ecs-container-instance-state-change': undefined,
    };
    expect(Object.keys(expected).sort()).toEqual(samples.sort());
    for (const name of samples) {
      const matched = ['EcrEvents', 'EcsEvents', 'ApiCallEvents'].filter((fn) => matchesPattern(sample(name), ruleFor(fn).EventPattern));
      expect(matched, name).toEqual(expected[name] ? [expected[name]] : []);
    }
  });

  it.each([
    ['ecs', 'RegisterTaskDefinition'], ['ecs', 'DeregisterTaskDefinition'], ['ecs', 'DeleteTaskDefinitions'], ['ecs', 'CreateService'], ['ecs', 'UpdateService'],
    ['ecs', 'DeleteService'], ['ecs', 'CreateTaskSet'], ['ecs', 'UpdateServicePrimaryTaskSet'], ['ecs', 'DeleteTaskSet'], ['lambda', 'CreateFunction20150331'],
    ['lambda', 'UpdateFunctionCode20150331v2'], ['lambda', 'PublishVersion20150331'], ['lambda', 'CreateAlias20150331'], ['lambda', 'UpdateAlias20150331'],
    ['lambda', 'DeleteAlias20150331'], ['lambda', 'DeleteFunction20150331'], ['ecr', 'DeleteRepository'],
    ['batch', 'RegisterJobDefinition'], ['batch', 'DeregisterJobDefinition'], ['apprunner', 'CreateService'], ['apprunner', 'UpdateService'], ['apprunner', 'DeleteService'],
  ] as const)('routes the CloudTrail call %s %s to the API-call function', (source, name) => {
    expect(matchesPattern(cloudTrailEvent(source, name), ruleFor('ApiCallEvents').EventPattern)).toBe(true);
  });

  it.each([
    ['lambda', 'DeleteFunctionConcurrency20171031'], ['lambda', 'DeleteFunctionUrlConfig20211031'], ['lambda', 'DeleteFunctionEventInvokeConfig20190925'],
    ['lambda', 'CreateFunctionUrlConfig20211031'], ['lambda', 'UpdateFunctionConfiguration20150331v2'], ['lambda', 'UpdateFunctionCodeSigningConfig20200630'],
    ['lambda', 'PublishLayerVersion20181031'], ['ecs', 'UpdateServiceSettings'], ['ecs', 'TagResource'], ['ecr', 'DeleteRepositoryPolicy'], ['ecr', 'PutImage'],
  ] as const)('does not route the near miss %s %s', (source, name) => {
    expect(matchesPattern(cloudTrailEvent(source, name), ruleFor('ApiCallEvents').EventPattern)).toBe(false);
  });
});

describe('failure handling', () => {
  it('gives every event-rule target retries and a dead-letter queue', () => {
    // Three on the default bus, the same three on the central bus members forward to.
    expect(rules).toHaveLength(6);
    for (const [name, rule] of rules) {
      for (const target of rule.Properties.Targets) {
        expect(target.DeadLetterConfig?.Arn, name).toBeDefined();
        expect(target.RetryPolicy?.MaximumRetryAttempts, name).toBeGreaterThan(0);
      }
    }
  });

  it('gives every event function, the reconcile and the sweep an on-failure destination', () => {
    const withDestination = ofType('AWS::Lambda::EventInvokeConfig').filter(([, c]) => c.Properties.DestinationConfig?.OnFailure?.Destination).map(([, c]) => c.Properties.FunctionName.Ref);
    expect(withDestination.sort()).toEqual(['ApiCallEventsLambdaFunction', 'EcrEventsLambdaFunction', 'EcsEventsLambdaFunction', 'ReconcileLambdaFunction', 'SweepLambdaFunction']);
  });
});

describe('IAM', () => {
  type Statement = { role: string; actions: string[]; resource: unknown };
  const statements: Statement[] = ofType('AWS::IAM::Role').flatMap(([role, r]) =>
    (r.Properties.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement.map((s: any): Statement => ({ role, actions: [s.Action].flat() as string[], resource: s.Resource }))));

  it('has no statement with a wildcard action', () => {
    expect(statements.length).toBeGreaterThan(10);
    for (const s of statements) for (const action of s.actions) expect(action, `${s.role}: ${action}`).not.toMatch(/\*/);
  });

  // Which calls each role allows, and that it allows nothing more, is test/deploy/deployed-stack.test.ts's: every
  // function runs there against its role. Here: the properties no scenario can show.
  it('gives who-uses and the usage-report URL no Scan and no deletion from the ledger', () => {
    const ledgerActions = (role: string) => statements.filter((s) => s.role === role).flatMap((s) => s.actions).filter((a) => a.startsWith('dynamodb:'));
    for (const role of ['WhoUsesIamRoleLambdaExecution', 'UsageReportsIamRoleLambdaExecution']) {
      expect(ledgerActions(role), role).not.toContain('dynamodb:Scan');
      expect(ledgerActions(role), role).not.toContain('dynamodb:DeleteItem');
    }
    expect(ledgerActions('WhoUsesIamRoleLambdaExecution').sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']);
  });

  it('allows deleting images only to the sweep and purge-repository, changing their storage class only to the sweep and restore on use, and only in the managed repositories', () => {
    const roles = (action: string) => statements.filter((s) => s.actions.includes(action)).map((s) => s.role).sort();
    expect(roles('ecr:BatchDeleteImage')).toEqual(['PurgeRepositoryIamRoleLambdaExecution', 'SweepContinueIamRoleLambdaExecution', 'SweepIamRoleLambdaExecution']);
    expect(roles('ecr:UpdateImageStorageClass')).toEqual(['ApiCallEventsIamRoleLambdaExecution', 'EcsEventsIamRoleLambdaExecution', 'ReconcileIamRoleLambdaExecution', 'ReconcileScopeIamRoleLambdaExecution', 'SweepContinueIamRoleLambdaExecution', 'SweepIamRoleLambdaExecution', 'UsageReportsIamRoleLambdaExecution']);
    const changing = statements.filter((s) => s.actions.some((a) => ['ecr:BatchDeleteImage', 'ecr:UpdateImageStorageClass'].includes(a)));
    for (const s of changing) expect(s.resource, s.role).toEqual({ 'Fn::Split': [',', 'arn:aws:ecr:us-east-1:123456789012:repository/preview/*'] });
  });
});

describe('organisation-wide', () => {
  const onCentralBus = rules.filter(([, r]) => r.Properties.EventBusName);
  const onDefaultBus = rules.filter(([, r]) => !r.Properties.EventBusName);

  it('routes the same followed events on the central bus as on the default bus, to the same functions', () => {
    expect(onCentralBus.map(([, r]) => r.Properties.EventBusName)).toEqual(Array(3).fill({ 'Fn::GetAtt': ['CentralEventBus', 'Name'] }));
    const targets = (list: typeof rules) => list.map(([, r]) => [JSON.stringify(r.Properties.Targets[0].Arn), JSON.stringify(r.Properties.EventPattern)]).sort();
    expect(targets(onCentralBus)).toEqual(targets(onDefaultBus));
  });

  it('lets only the organisation, or the listed member accounts, put events on the central bus', () => {
    const policies = Object.fromEntries(ofType('AWS::Events::EventBusPolicy'));
    expect(policies.CentralEventBusOrganizationPolicy!.Properties.Statement).toMatchObject({ Action: 'events:PutEvents', Condition: { StringEquals: { 'aws:PrincipalOrgID': '' } } });
    expect((template as any).Resources.CentralEventBusOrganizationPolicy.Condition).toBe('HasOrganizationId');
    expect(policies.CentralEventBusAccountsPolicy!.Properties.Statement.Principal).toEqual({ AWS: { 'Fn::Split': [',', ''] } });
  });

  it('fans the reconcile out on SQS with bounded concurrency, partial-batch retries and a dead-letter queue', () => {
    const [, mapping] = ofType('AWS::Lambda::EventSourceMapping').find(([name]) => name.startsWith('ReconcileScope'))!;
    expect(mapping.Properties).toMatchObject({ BatchSize: 1, ScalingConfig: { MaximumConcurrency: 5 }, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    const [, queue] = ofType('AWS::SQS::Queue').find(([name]) => name === 'ReconcileWorkQueue')!;
    expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(900);
    expect(queue.Properties.RedrivePolicy.deadLetterTargetArn).toEqual({ 'Fn::GetAtt': ['ReconcileWorkDeadLetterQueue', 'Arn'] });
  });

  it('lets the functions that read members assume only the reader role, and only in an organisation stack; discovery only with discover', () => {
    const long = JSON.parse(readFileSync('.serverless-long/cloudformation-template-update-stack.json', 'utf8')) as typeof template;
    const holding = (t: typeof template, action: string) => Object.entries(t.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Role' && JSON.stringify(r.Properties.Policies ?? []).includes(`"${action}"`)).map(([name]) => name).sort();
    // The single-account ci stack: nobody assumes a member's role, nobody lists the organisation.
    expect(holding(template, 'sts:AssumeRole')).toEqual([]);
    expect(holding(template, 'organizations:ListAccounts')).toEqual([]);
    // purgeRepository reads the members in a deletion's reach live, as the sweep does.
    expect(holding(long, 'sts:AssumeRole')).toEqual(['ApiCallEventsIamRoleLambdaExecution', 'EcrEventsIamRoleLambdaExecution', 'EcsEventsIamRoleLambdaExecution', 'PurgeRepositoryIamRoleLambdaExecution', 'ReconcileScopeIamRoleLambdaExecution', 'SweepContinueIamRoleLambdaExecution', 'SweepIamRoleLambdaExecution']);
    for (const name of holding(long, 'sts:AssumeRole')) {
      const statement = (long.Resources[name]!.Properties.Policies[0].PolicyDocument.Statement as any[]).find((st) => [st.Action].flat().includes('sts:AssumeRole'));
      expect(statement.Resource, name).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/ecr-ledger-reader' });
      // Only in the organisation's accounts (issue 30, point 8): never the role of that name in any account.
      expect(statement.Condition, name).toEqual({ StringEquals: { 'aws:ResourceOrgID': 'o-abcdefghij' } });
    }
    expect(holding(long, 'organizations:ListAccounts')).toEqual(['ApiCallEventsIamRoleLambdaExecution', 'EcrEventsIamRoleLambdaExecution', 'EcsEventsIamRoleLambdaExecution', 'PurgeRepositoryIamRoleLambdaExecution', 'ReconcileIamRoleLambdaExecution', 'SweepContinueIamRoleLambdaExecution', 'SweepIamRoleLambdaExecution']);
  });
});

describe('the report bucket and the advance notice', () => {
  it('keeps the sweep\'s reports private, encrypted, TLS-only and for 90 days', () => {
    const [, bucket] = ofType('AWS::S3::Bucket').find(([name]) => name === 'ReportBucket')!;
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
    expect(bucket.Properties.LifecycleConfiguration.Rules[0]).toMatchObject({ Status: 'Enabled', ExpirationInDays: 90 });
    const [, policy] = ofType('AWS::S3::BucketPolicy').find(([name]) => name === 'ReportBucketPolicy')!;
    expect(policy.Properties.PolicyDocument.Statement[0]).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
  });

  it('lets only the sweep write reports (PutObject under reports/); the notice and the alerts publish and read the webhook parameter, never the continuation', () => {
    const roles = (action: string) => ofType('AWS::IAM::Role').filter(([, r]) => JSON.stringify(r.Properties.Policies ?? []).includes(`"${action}"`)).map(([name]) => name);
    expect(roles('s3:PutObject')).toEqual(['SweepIamRoleLambdaExecution', 'SweepContinueIamRoleLambdaExecution']);
    // The notice: the sweep's first invocation; alerts (undo.md): the event and reconcile functions.
    const notifying = ['EcrEventsIamRoleLambdaExecution', 'EcsEventsIamRoleLambdaExecution', 'ApiCallEventsIamRoleLambdaExecution', 'ReconcileIamRoleLambdaExecution', 'ReconcileScopeIamRoleLambdaExecution', 'SweepIamRoleLambdaExecution', 'UsageReportsIamRoleLambdaExecution'];
    expect(roles('sns:Publish')).toEqual(notifying);
    expect(roles('ssm:GetParameter')).toEqual(notifying);
    expect(roles('kms:Decrypt')).toEqual([]); // only with notice.webhookKmsKeyArn (stack-config.test.ts)
    const sweep = ofType('AWS::Lambda::Function').find(([name]) => name === 'SweepLambdaFunction')![1];
    expect(Object.keys(sweep.Properties.Environment.Variables)).toEqual(expect.arrayContaining(['REPORT_BUCKET', 'NOTICE_TOPIC_ARN']));
  });

  it('lets only this account\'s rules dead-letter into the undelivered-events queue', () => {
    const [, policy] = ofType('AWS::SQS::QueuePolicy').find(([name]) => name === 'UndeliveredEventsQueuePolicy')!;
    expect(policy.Properties.PolicyDocument.Statement[0].Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      ArnLike: { 'aws:SourceArn': { 'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/*' } },
    });
  });

  it('tells both sweep functions the repositories their role may delete from, exactly as granted', () => {
    for (const name of ['SweepLambdaFunction', 'SweepContinueLambdaFunction']) {
      const fn = ofType('AWS::Lambda::Function').find(([n]) => n === name)![1];
      const role = ofType('AWS::IAM::Role').find(([n]) => n === name.replace('LambdaFunction', 'IamRoleLambdaExecution'))![1];
      const grant = (role.Properties.Policies[0].PolicyDocument.Statement as Array<{ Action: string[]; Resource: unknown }>).find((st) => [st.Action].flat().includes('ecr:BatchDeleteImage'))!;
      expect(grant.Resource).toEqual({ 'Fn::Split': [',', fn.Properties.Environment.Variables.MANAGED_REPOSITORIES] });
      expect(fn.Properties.Environment.Variables.MANAGED_REPOSITORIES).toBe('arn:aws:ecr:us-east-1:123456789012:repository/preview/*');
    }
  });
});

describe('the ledger table', () => {
  const [, table] = ofType('AWS::DynamoDB::Table')[0]!;
  it('has point-in-time recovery, deletion protection, TTL on audit records, the four indexes, and is retained', () => {
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.Properties.DeletionProtectionEnabled).toBe(true);
    expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'ttl', Enabled: true });
    expect(table.Properties.GlobalSecondaryIndexes.map((i: any) => i.IndexName)).toEqual(['byRepository', 'byFamily', 'forSweep', 'byScope']);
    expect((ofType('AWS::DynamoDB::Table')[0]![1] as any).DeletionPolicy).toBe('Retain');
  });

  it('declares the same keys and indexes as the embedded ledger', () => {
    const embedded = ledgerTableDefinition('x');
    expect(table.Properties.KeySchema).toEqual(embedded.KeySchema);
    expect(table.Properties.GlobalSecondaryIndexes).toEqual(embedded.GlobalSecondaryIndexes);
    expect([...table.Properties.AttributeDefinitions].sort((a: any, b: any) => a.AttributeName.localeCompare(b.AttributeName)))
      .toEqual([...embedded.AttributeDefinitions!].sort((a: any, b: any) => a.AttributeName.localeCompare(b.AttributeName)));
  });
});

describe('the packaged bundles', () => {
  it('keep the names of the error classes (minified with keepNames): a deployed error says what it is (issue 33, point 6)', () => {
    const zips = readdirSync('.serverless').filter((f) => f.endsWith('.zip'));
    expect(zips.length).toBeGreaterThanOrEqual(10);
    for (const zip of zips) {
      const bundles = [...readZip(`.serverless/${zip}`)].filter(([name]) => name.endsWith('.mjs'));
      expect(bundles, zip).toHaveLength(1);
      const code = bundles[0]![1].toString('utf8');
      for (const name of ['RefusedError', 'LedgerStoreError']) expect(code.includes(`"${name}"`), `${zip}: ${name}`).toBe(true);
    }
  });
});

describe('the alarms (issue 33, point 5)', () => {
  const alarms = ofType('AWS::CloudWatch::Alarm').map(([name, r]) => ({ name, p: r.Properties }));
  it('watch the errors of every function', () => {
    const functions = ofType('AWS::Lambda::Function').map(([, r]) => String(r.Properties.FunctionName));
    expect(functions.length).toBeGreaterThanOrEqual(10);
    const errors = alarms.find((a) => a.name === 'FunctionErrorsAlarm')!.p;
    const watched = (errors.Metrics as any[]).filter((m) => m.MetricStat?.Metric.MetricName === 'Errors').map((m) => m.MetricStat.Metric.Dimensions[0].Value);
    expect(watched.sort()).toEqual(functions.sort());
    const sum = (errors.Metrics as any[]).find((m) => m.ReturnData).Expression as string;
    expect(sum.split('+').sort()).toEqual((errors.Metrics as any[]).filter((m) => m.MetricStat).map((m) => m.Id).sort());
  });

  it('watch every queue that keeps what failed', () => {
    const text = JSON.stringify(template.Resources);
    const failureQueues = new Set([...text.matchAll(/"(?:deadLetterTargetArn|DeadLetterConfig|OnFailure)":\{[^}]*?"Fn::GetAtt":\["(\w+)","Arn"\]/g)].map((m) => m[1]!));
    expect([...failureQueues].sort()).toEqual(expect.arrayContaining(['FailedEventsQueue', 'ReconcileWorkDeadLetterQueue', 'UndeliveredEventsQueue']));
    for (const queue of failureQueues) {
      expect(alarms.some((a) => a.p.Namespace === 'AWS/SQS' && JSON.stringify(a.p.Dimensions) === JSON.stringify([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }])), queue).toBe(true);
    }
  });

  it('count finished reconciles and unreadable scopes, not invocations', () => {
    const byName = (name: string) => alarms.find((a) => a.name === name)!.p;
    expect(byName('ReconcileNotFinishedAlarm')).toMatchObject({ Namespace: 'ecr-ledger', MetricName: 'ReconcilesCompleted', Dimensions: [{ Name: 'service', Value: 'reconcile' }], Statistic: 'Sum', ComparisonOperator: 'LessThanThreshold', Threshold: 1, TreatMissingData: 'breaching' });
    expect(byName('UnreadableScopeAlarm')).toMatchObject({ Namespace: 'ecr-ledger', MetricName: 'UnreadableScope', Dimensions: [{ Name: 'service', Value: 'reconcile' }], ComparisonOperator: 'GreaterThanOrEqualToThreshold', Threshold: 1 });
  });
});

describe('the outputs', () => {
  it('name the central event bus the member StackSet forwards to (issue 34, point 5)', () => {
    const outputs = (JSON.parse(readFileSync(TEMPLATE, 'utf8')) as { Outputs: Record<string, { Value: unknown }> }).Outputs;
    expect(outputs.CentralEventBusArn!.Value).toEqual({ 'Fn::GetAtt': ['CentralEventBus', 'Arn'] });
    // The member template's parameter of the same name takes it.
    expect(readFileSync('deploy/member-account.yml', 'utf8')).toContain('  CentralEventBusArn:');
  });
});

describe('the alarm runbook (docs/deploying.md)', () => {
  it('says what every alarm of the stack means and what to run first', () => {
    const doc = readFileSync('docs/deploying.md', 'utf8');
    const runbook = doc.slice(doc.indexOf('## When an alarm fires'));
    for (const [name] of ofType('AWS::CloudWatch::Alarm')) expect(runbook, name).toContain(`| \`${name}\` |`);
  });
});
