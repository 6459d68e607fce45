import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configuredRegion } from '../../src/adapters/aws/clients.js';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbLedger } from '../../src/adapters/dynamodb-ledger.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../src/adapters/embedded-dynamodb.js';
import { ensureLedgerTable } from '../../src/adapters/ledger-table.js';
import { reconcileLedger } from '../../src/app/reconcile.js';
import { defaultConfig } from '../../src/config.js';
import { parseSnapshot } from '../../src/snapshot/read-snapshot.js';
import { snapshotToFacts } from '../../src/snapshot/to-facts.js';
import { FakeDeployedStack } from '../fakes/fake-deployed-stack.js';
import { runAt } from '../support/cli.js';

const NOW = '2026-11-21T08:00:00Z';
const SINGLE = { file: '.serverless/cloudformation-template-update-stack.json', stage: 'ci', region: 'us-east-1', config: 'test/deploy/stacks/single-account.yaml' };
const ORGANISATION = { file: '.serverless-long/cloudformation-template-update-stack.json', stage: 'production-eu', region: 'ap-southeast-2', config: 'test/deploy/stacks/organization.yaml' };

let engine: EmbeddedDynamoDb;
let stack: FakeDeployedStack;
const saved = { ...process.env };

/** A deployed stack (from a packaged template) whose ledger table was reconciled at `reconciledAt`. */
async function deployed(which: typeof SINGLE, reconciledAt: string | null = '2026-11-21T02:00:00Z'): Promise<void> {
  stack = new FakeDeployedStack(which.file, '123456789012', which.region, which.stage);
  const table = stack.template.ref('LedgerTable');
  await ensureLedgerTable(engine.client, table);
  const endpoint = await engine.client.config.endpoint!();
  Object.assign(process.env, { AWS_ENDPOINT_URL_DYNAMODB: `http://${endpoint.hostname}:${endpoint.port}`, AWS_ACCESS_KEY_ID: 'AKIAOPERATOR', AWS_SECRET_ACCESS_KEY: 'secret' });
  if (reconciledAt) {
    await new DynamoDbLedger(engine.client, table).layout.version();
    const facts = snapshotToFacts(parseSnapshot({ ...JSON.parse(readFileSync('examples/account.json', 'utf8')), region: which.region, capturedAt: reconciledAt }));
    await reconcileLedger({ ledger: new DynamoDbLedger(engine.client, table), clock: () => new Date(reconciledAt) }, { facts, config: defaultConfig(), source: 'test' });
  }
}

const doctor = (which: typeof SINGLE) => runAt(NOW, ['doctor', '--stage', which.stage, '--region', which.region, '--config', which.config, '-o', 'json']);
const failed = (result: Awaited<ReturnType<typeof doctor>>) => result.json().checks.filter((c: { ok: boolean }) => !c.ok);

beforeEach(async () => { engine = await startEmbeddedDynamoDb(); });
afterEach(async () => {
  stack?.restore();
  await engine.close();
  for (const key of ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) if (saved[key] === undefined) delete process.env[key]; else process.env[key] = saved[key];
});

describe('doctor (a deployed single-account stack)', () => {
  it('exits 0 when every check holds: each role allows what its code calls, the ledger is current and fresh, CloudTrail logs', async () => {
    await deployed(SINGLE);
    const result = await doctor(SINGLE);
    expect(result.code, result.out + result.err).toBe(0);
    const checks = result.json().checks as Array<{ check: string; ok: boolean; detail: string }>;
    expect(checks.map((c) => c.check)).toEqual(expect.arrayContaining(['stack', 'role sweep', 'role reconcile', 'role purgeRepository', 'dry run', 'ledger table', 'last reconcile', 'last sweep', 'cloudtrail 123456789012/us-east-1']));
    expect(checks.find((c) => c.check === 'dry run')!.detail).toMatch(/^on: the nightly sweep deletes nothing/);
    const text = await runAt(NOW, ['doctor', '--stage', 'ci', '--region', 'us-east-1', '--config', SINGLE.config]);
    expect(text.out).toContain('Every check holds.');
    expect(checks.find((c) => c.check === 'config')).toMatchObject({ ok: true, detail: `the deployed config is ${SINGLE.config}'s` });
  });

  it('names each key where the deployed config differs from --config FILE (issue 34, point 3)', async () => {
    await deployed(SINGLE);
    const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-doctor-config-'));
    const other = join(dir, 'other.yaml');
    await writeFile(other, `${readFileSync(SINGLE.config, 'utf8')}\necs:\n  keepLatestRevisions: 4\n`);
    const result = await runAt(NOW, ['doctor', '--stage', SINGLE.stage, '--region', SINGLE.region, '--config', other, '-o', 'json']);
    expect(result.code).toBe(5);
    const config = (result.json().checks as Array<{ check: string; ok: boolean; detail: string }>).find((c) => c.check === 'config')!;
    expect(config.ok).toBe(false);
    expect(config.detail).toContain('ecs.keepLatestRevisions: 1 deployed, 4 in the file');
  });

  it('reports the last sweep from the ledger\'s run log', async () => {
    await deployed(SINGLE);
    const summary = { runId: 'r-1', scope: { accountId: '123456789012', region: 'us-east-1' }, startedAt: '2026-11-21T03:00:00.000Z', finishedAt: '2026-11-21T03:04:00.000Z', mode: 'dry-run' as const, action: 'delete' as const, images: 7, bytes: 0, failures: 0, skippedByCap: 0, awaitingNotice: 0, keptWhole: [], notManaged: [], unreadableScopes: [], unreadableClusters: [], warnings: [] };
    await new DynamoDbLedger(engine.client, 'ecr-ledger-ci').runs.recordRun(summary, [], '2027-12-01T00:00:00Z');
    const checks = (await doctor(SINGLE)).json().checks as Array<{ check: string; detail: string }>;
    expect(checks.find((c) => c.check === 'last sweep')!.detail).toBe('2026-11-21T03:04:00.000Z (dry-run, 7 image(s), run r-1)');
  });

  it('finds no stack: exit 5 with how to deploy it', async () => {
    await deployed(SINGLE);
    stack.exists = false;
    const result = await doctor(SINGLE);
    expect(result.code).toBe(5);
    expect(failed(result)).toEqual([expect.objectContaining({ check: 'stack', detail: 'no stack ecr-ledger-ci in 123456789012/us-east-1', fix: expect.stringContaining('npx osls deploy --stage ci') })]);
  });

  it('finds a stack that rolled back', async () => {
    await deployed(SINGLE);
    stack.status = 'UPDATE_ROLLBACK_COMPLETE';
    expect(failed(await doctor(SINGLE))).toEqual([expect.objectContaining({ check: 'stack', detail: 'ecr-ledger-ci is UPDATE_ROLLBACK_COMPLETE' })]);
  });

  it('finds a role denied a call its code makes, naming action and resource, with the statement that fixes it', async () => {
    await deployed(SINGLE);
    stack.revoked.set('purgeRepository', ['ecr:GetLifecyclePolicy']);
    const result = await doctor(SINGLE);
    expect(result.code).toBe(5);
    const [check] = failed(result);
    expect(check.check).toBe('role purgeRepository');
    expect(check.detail).toContain('is denied ecr:GetLifecyclePolicy on arn:aws:ecr:us-east-1:123456789012:repository/ecr-ledger-doctor-check');
    expect(check.fix).toContain("- Effect: Allow\n  Action: [ecr:GetLifecyclePolicy]\n  Resource: 'arn:aws:ecr:us-east-1:123456789012:repository/*'");
  });

  it('finds a ledger the reconcile never wrote, and one reconciled too long ago for the sweep', async () => {
    await deployed(SINGLE, null);
    expect(failed(await doctor(SINGLE)).map((c: { check: string }) => c.check)).toEqual(['ledger table', 'last reconcile']);
    stack.restore();
    await deployed(SINGLE, '2026-11-19T02:00:00Z');
    expect(failed(await doctor(SINGLE))).toEqual([expect.objectContaining({ check: 'last reconcile', detail: expect.stringContaining('older than sweep.maxLedgerAgeHours (36)') })]);
  });

  it('finds a table of an older layout, with the upgrade that converts it', async () => {
    await deployed(SINGLE);
    await engine.client.send(new (await import('@aws-sdk/client-dynamodb')).PutItemCommand({ TableName: 'ecr-ledger-ci', Item: { pk: { S: 'LAYOUT' }, sk: { S: 'LAYOUT' }, version: { N: '2' } } }));
    expect(failed(await doctor(SINGLE))).toEqual([expect.objectContaining({ check: 'ledger table', fix: expect.stringContaining('ecr-ledger upgrade --table ecr-ledger-ci') })]);
  });

  it('finds a region whose CloudTrail logs no management events', async () => {
    await deployed(SINGLE);
    stack.trails.clear();
    expect(failed(await doctor(SINGLE))).toEqual([expect.objectContaining({ check: 'cloudtrail 123456789012/us-east-1', fix: expect.stringContaining('aws cloudtrail create-trail') })]);
  });

  it('needs --stage, and a region', async () => {
    expect((await runAt(NOW, ['doctor', '--region', 'us-east-1'])).err).toContain('doctor needs --stage STAGE');
    const region = { AWS_REGION: process.env.AWS_REGION, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    try {
      const missing = await runAt(NOW, ['doctor', '--stage', 'ci']);
      expect([missing.code, missing.err]).toEqual([2, expect.stringContaining('no AWS region: give --region NAME')]);
      // The profile's region counts, as for every other command (issue 34, point 7).
      const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-profile-'));
      await writeFile(join(dir, 'config'), '[profile ops]\nregion = eu-west-1\n');
      const configFile = process.env.AWS_CONFIG_FILE;
      process.env.AWS_CONFIG_FILE = join(dir, 'config');
      try {
        expect(await configuredRegion('ops')).toBe('eu-west-1');
        expect(await configuredRegion()).toBeUndefined();
        const withProfile = await runAt(NOW, ['doctor', '--stage', 'ci', '--profile', 'ops']);
        expect(withProfile.err).not.toContain('no AWS region');
      } finally {
        process.env.AWS_CONFIG_FILE = configFile;
      }
    } finally {
      for (const [k, v] of Object.entries(region)) if (v !== undefined) process.env[k] = v;
    }
  });
});

describe('doctor (a deployed organisation stack)', () => {
  const member = (over: Partial<{ assumable: boolean; trusts: { stage: string; region: string }; forwardingRules: number; trail: boolean }> = {}) => ({ assumable: true, trusts: { stage: ORGANISATION.stage, region: ORGANISATION.region }, forwardingRules: 3, trail: true, ...over });
  const discovered = async (m: ReturnType<typeof member>) => {
    await deployed(ORGANISATION);
    stack.members.set('222222222222', m);
    const { OrganizationsClient, ListAccountsCommand, DescribeOrganizationCommand } = await import('@aws-sdk/client-organizations');
    const { mockClient } = await import('aws-sdk-client-mock');
    const organizations = mockClient(OrganizationsClient);
    organizations.on(ListAccountsCommand).resolves({ Accounts: [{ Id: '123456789012', State: 'ACTIVE' }, { Id: '222222222222', State: 'ACTIVE' }] });
    organizations.on(DescribeOrganizationCommand).resolves({ Organization: { Id: 'o-abcdefghij' } });
    stack.stubs.push(organizations);
  };

  it('checks each discovered member: its reader role, its trust of the central roles, its forwarding rules and trail', async () => {
    await discovered(member());
    const result = await doctor(ORGANISATION);
    expect(result.code, JSON.stringify(failed(result))).toBe(0);
    expect(result.json().checks.map((c: { check: string }) => c.check)).toEqual(expect.arrayContaining(['member 222222222222', 'forwarding 222222222222/ap-southeast-2', 'cloudtrail 222222222222/ap-southeast-2']));
  });

  it('finds a member whose reader role cannot be assumed', async () => {
    await discovered(member({ assumable: false }));
    expect(failed(await doctor(ORGANISATION))).toEqual([expect.objectContaining({ check: 'member 222222222222', detail: expect.stringContaining('its reader role cannot be assumed'), fix: expect.stringContaining('deploy/member-account.yml') })]);
  });

  it('finds a member stack that trusts another stage\'s roles', async () => {
    await discovered(member({ trusts: { stage: 'staging', region: ORGANISATION.region } }));
    const [check] = failed(await doctor(ORGANISATION));
    expect(check).toMatchObject({ check: 'member 222222222222', fix: 'update its member stack with CentralAccountId=123456789012, CentralStage=production-eu, CentralRegion=ap-southeast-2' });
    expect(check.detail).toContain('the reader role does not trust arn:aws:iam::123456789012:role/ecr-ledger-production-eu-reconcileScope-ap-southeast-2');
  });

  it('finds a member region with no rules forwarding to the central bus, and one with no trail', async () => {
    await discovered(member({ forwardingRules: 0, trail: false }));
    expect(failed(await doctor(ORGANISATION)).map((c: { check: string }) => c.check)).toEqual(['forwarding 222222222222/ap-southeast-2', 'cloudtrail 222222222222/ap-southeast-2']);
  });
});
