import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/** One config (issue 21, point 3): the stack reads the file the CLI reads, checked by the CLI's validator when packaging. */
const MANAGED = '--param=managedRepositories=arn:aws:ecr:us-east-1:123456789012:repository/team-a/*';
const osls = async (...args: string[]) => {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['node_modules/osls/bin/serverless.js', 'print', '--stage', 'ci', '--format', 'json', ...args], { env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' }, maxBuffer: 1 << 24 });
    return { code: 0, out: stdout, err: '' };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout, err: `${e.stdout}\n${e.stderr}` };
  }
};
const file = async (name: string, text: string) => {
  const path = join(await mkdtemp(join(tmpdir(), 'ecr-ledger-stack-')), name);
  await writeFile(path, text);
  return path;
};

describe('the stack reads the CLI\'s config file, checked before anything is deployed', () => {
  it('stops on a misspelt key with the CLI\'s message (file, key, line)', async () => {
    const bad = await file('bad.yaml', 'repositories:\n  - pattern: "*"\n    keepLatst: 3\n');
    const result = await osls(`--param=config=${bad}`, MANAGED);
    expect(result.code).not.toBe(0);
    expect(result.err).toContain(`the stack's config is not valid: ecr-ledger: ${bad}: repositories[0].keepLatst (line 3): unknown key`);
  }, 60_000);

  it('stops without managedRepositories, naming it with an example value', async () => {
    const result = await osls();
    expect(result.code).not.toBe(0);
    expect(result.err).toContain('the stage parameter managedRepositories is required (the repositories the sweep may delete from), e.g. --param="managedRepositories=arn:aws:ecr:us-east-1:123456789012:repository/team-a/*"');
  }, 60_000);

  it('deploys the file as written, and derives the reader role and the webhook parameter grant from it', async () => {
    const good = await file('ecr-ledger.yaml', [
      'repositories:', '  - pattern: "team-a/*"', '    keepLatest: 3',
      'notice:', '  daysAhead: 2', '  webhookParameter: /platform/slack-webhook', '  webhookKmsKeyArn: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      'organization:', '  accounts:', '    - id: "222222222222"', '      regions: [us-east-1]', '  roleName: platform-ecr-reader',
    ].join('\n'));
    const result = await osls(`--param=config=${good}`, MANAGED);
    expect(result.code, result.err).toBe(0);
    const printed = JSON.parse(result.out);
    expect(JSON.parse(printed.provider.environment.ECR_LEDGER_CONFIG)).toEqual({
      repositories: [{ pattern: 'team-a/*', keepLatest: 3 }], notice: { daysAhead: 2, webhookParameter: '/platform/slack-webhook', webhookKmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
      organization: { accounts: [{ id: '222222222222', regions: ['us-east-1'] }], roleName: 'platform-ecr-reader' },
    });
    const grants = (printed.functions.sweep.iamRoleStatements as Array<{ Action: string[]; Resource: unknown }>);
    // The reader role of the listed member accounts only (issue 30, point 8), never the role of that name anywhere.
    expect(grants.find((s) => s.Action.includes('sts:AssumeRole'))!.Resource).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::222222222222:role/platform-ecr-reader' }]);
    expect(grants.find((s) => s.Action.includes('ssm:GetParameter'))!.Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/platform/slack-webhook' });
    // A SecureString under a customer-managed key needs kms:Decrypt of that key (issue 33, point 7).
    expect((grants as Array<{ Sid?: string; Resource: unknown }>).find((s) => s.Sid === 'NoticeWebhookKey')!.Resource).toBe('arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab');
  }, 60_000);

  it('still takes the deprecated one-line retentionConfig, checked the same way', async () => {
    const result = await osls('--param=retentionConfig={"repositories":[{"pattern":"*","keepLatst":3}]}', MANAGED);
    expect(result.code).not.toBe(0);
    expect(result.err).toMatch(/the stack's config is not valid: ecr-ledger: .*retentionConfig\.json: repositories\[0\]\.keepLatst/);
  }, 60_000);
});

describe('the config file is the stack\'s one source (issue 34, point 3)', () => {
  it('takes managedRepositories, the organisation and dryRun from the config file', async () => {
    const config = await file('stack.yaml', [
      'stack:', '  managedRepositories: ["arn:aws:ecr:us-east-1:111111111111:repository/team-a/*"]',
      'sweep:', '  dryRun: false',
      'organization:', '  id: o-abc123def4', '  accounts:', '    - id: "222222222222"', '      regions: [us-east-1]', '    - id: "333333333333"', '      regions: [us-east-1]',
    ].join('\n'));
    const result = await osls(`--param=config=${config}`);
    expect(result.code, result.err).toBe(0);
    const printed = JSON.parse(result.out);
    expect(printed.functions.sweep.environment).toMatchObject({ DRY_RUN: 'false', MANAGED_REPOSITORIES: 'arn:aws:ecr:us-east-1:111111111111:repository/team-a/*' });
    const resources = printed.resources.Resources;
    expect(resources.CentralEventBusOrganizationPolicy.Properties.Statement.Condition).toEqual({ StringEquals: { 'aws:PrincipalOrgID': 'o-abc123def4' } });
    expect(JSON.stringify(resources)).toContain('"222222222222,333333333333"');
    expect(printed.resources.Conditions.HasMemberAccounts['Fn::Not'][0]['Fn::Equals'][0]).toBe('222222222222,333333333333');
  }, 60_000);

  it('refuses a stage parameter that says otherwise than the config, with both values', async () => {
    const config = await file('stack.yaml', 'organization:\n  id: o-abc123def4\n  discover: true\n  regions: [us-east-1]\n');
    const result = await osls(`--param=config=${config}`, '--param=organizationId=o-zzz999yyy8', MANAGED);
    expect(result.code).not.toBe(0);
    expect(result.err).toContain('the stage parameter organizationId=o-zzz999yyy8 differs from the config\'s organization.id (o-abc123def4)');
  }, 60_000);

  it('refuses an unknown stage parameter, naming the known ones', async () => {
    const result = await osls('--param=configFile=ecr-ledger.yaml', MANAGED);
    expect(result.code).not.toBe(0);
    expect(result.err).toContain('unknown stage parameter configFile: the known ones are config, retentionConfig, managedRepositories');
    expect(result.err).not.toMatch(/\n\s+at /); // the refusal alone, without a stack trace (issue 34, point 7)
  }, 60_000);

  it('refuses a config too large for Lambda\'s 4 KB of environment variables, with its size and what to do', async () => {
    const accounts = Array.from({ length: 60 }, (_, i) => `    - id: "${String(200000000000 + i)}"\n      regions: [us-east-1, eu-west-1]`);
    const big = await file('big.yaml', ['organization:', '  id: o-abc123def4', '  accounts:', ...accounts].join('\n'));
    const result = await osls(`--param=config=${big}`, MANAGED);
    expect(result.code).not.toBe(0);
    expect(result.err).toMatch(/the config is \d+ bytes as JSON: .* past Lambda's 4,096 \(the deploy would fail\)\. Shorten it/);
  }, 60_000);

  it('refuses a managed repository ARN with an account id that is not 12 digits, or in another region', async () => {
    const short = await osls('--param=managedRepositories=arn:aws:ecr:us-east-1:12345678901:repository/team-a/*');
    expect(short.err).toContain('the account id 12345678901 has 11 digits, not 12');
    const elsewhere = await osls('--param=managedRepositories=arn:aws:ecr:eu-west-1:123456789012:repository/team-a/*');
    expect(elsewhere.err).toContain('is in eu-west-1, but the stack is deployed to us-east-1');
  }, 60_000);
});

describe('ecr-ledger config check', () => {
  it('exits 0 on a valid file and 2 naming file, key and line otherwise', async () => {
    const { runCli } = await import('../../src/cli/main.js');
    const run = async (...argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), clock: () => new Date('2026-11-20T00:00:00Z') });
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const ok = await run('config', 'check', 'examples/config.yaml', '--output', 'json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ file: 'examples/config.yaml', valid: true, config: { sweep: { maxDeletionsPerRun: 500 } } });
    const bad = await file('bad.yaml', 'sweep:\n  maxDeletionsPerRun: -1\n');
    const refused = await run('config', 'check', bad);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(`${bad}: sweep.maxDeletionsPerRun (line 2)`);
    expect((await run('config', 'lint', bad)).code).toBe(2);
  });
});

describe('stack.alarmEncryption (issue 33, point 7)', () => {
  it('encrypts the alarm topic with a key of its own that CloudWatch alarms may use, and lets the publishers use it', async () => {
    const config = await file('encrypted.yaml', 'stack:\n  alarmEncryption: true\n  managedRepositories: ["arn:aws:ecr:us-east-1:123456789012:repository/team-a/*"]\n');
    const result = await osls(`--param=config=${config}`);
    expect(result.code, result.err).toBe(0);
    const printed = JSON.parse(result.out);
    expect(printed.custom.stack.alarmEncryption).toBe('true');
    const resources = printed.resources.Resources;
    expect(resources.AlarmTopic.Properties.KmsMasterKeyId).toEqual({ Ref: 'AlarmTopicKey' });
    expect(resources.AlarmTopicKey.Properties.KeyPolicy.Statement).toContainEqual(expect.objectContaining({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }));
    for (const fn of ['sweep', 'ecrEvents', 'reconcile', 'usageReports']) {
      expect((printed.functions[fn].iamRoleStatements as Array<{ Sid?: string; Resource: unknown }>).find((st) => st.Sid === 'AlarmTopicKey')?.Resource, fn).toEqual({ 'Fn::GetAtt': ['AlarmTopicKey', 'Arn'] });
    }
  }, 60_000);

  it('without it, packaging removes the key, the topic\'s key and every grant of it (deploy/trim-roles.cjs)', async () => {
    const { default: TrimRoles } = await import('../../deploy/trim-roles.cjs' as string) as { default: new (s: unknown) => { trim(): void } };
    const role = { Type: 'AWS::IAM::Role', Properties: { Policies: [{ PolicyDocument: { Statement: [{ Sid: 'AlarmTopicKey', Effect: 'Allow' }, { Effect: 'Allow', Action: 'sns:Publish' }] } }] } };
    const compiled = { Resources: { SweepRole: role, AlarmTopic: { Type: 'AWS::SNS::Topic', Properties: { KmsMasterKeyId: { Ref: 'AlarmTopicKey' } } }, AlarmTopicKey: { Type: 'AWS::KMS::Key' } } };
    const own = { AlarmTopic: { Type: 'AWS::SNS::Topic', Properties: { KmsMasterKeyId: { Ref: 'AlarmTopicKey' } } }, AlarmTopicKey: { Type: 'AWS::KMS::Key' } };
    new TrimRoles({ service: { provider: { compiledCloudFormationTemplate: compiled }, custom: { stack: { organization: 'false', discover: 'false', webhook: 'false', webhookKms: 'false', alarmEncryption: 'false' } }, resources: { Resources: own } } }).trim();
    expect(Object.keys(compiled.Resources).sort()).toEqual(['AlarmTopic', 'SweepRole']);
    expect(Object.keys(own)).toEqual(['AlarmTopic']);
    expect(own.AlarmTopic.Properties).toEqual({});
    expect(role.Properties.Policies[0]!.PolicyDocument.Statement).toEqual([{ Effect: 'Allow', Action: 'sns:Publish' }]);
  });
});
