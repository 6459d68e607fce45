import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FakeKubernetes } from '../fakes/fake-kubernetes.js';
import { DeployedStack, LocalEndpoint } from './stack/deployed-stack.js';
import { customResource, sqsEvent, urlRequest } from './stack/events.js';
import { everyEvent } from './stack/every-event.js';
import { checkRoles, type StackRun } from './stack/role-check.js';
import { organizationWorld, singleAccountWorld } from './stack/worlds.js';

// Every function reads the time through system-clock: here it is the scenario's.
const clock = vi.hoisted(() => ({ now: '2026-11-20T02:00:00Z' }));
vi.mock('../../src/system-clock.js', () => ({ systemClock: () => new Date(clock.now), wallTimeMs: () => Date.now() }));

const runs: StackRun[] = [];
const at = (iso: string) => { clock.now = iso; };

describe('the single-account stack as deployed (stage ci, us-east-1)', () => {
  let stack: DeployedStack;
  let kube: FakeKubernetes;
  let podImage: string;
  const webhook = new LocalEndpoint();
  const cloudFormation = new LocalEndpoint();

  beforeAll(async () => {
    const world = await singleAccountWorld();
    ({ kube, podImage } = world);
    stack = await DeployedStack.start('.serverless/cloudformation-template-update-stack.json', world.home);
    await webhook.start();
    await cloudFormation.start();
    stack.cloud.parameters.set('/ecr-ledger/slack', webhook.url);
    runs.push({ name: 'single account', stack });
  });
  afterAll(async () => { kube?.close(); webhook.close(); cloudFormation.close(); await stack?.close(); });

  it('reconciles the account, its EKS cluster and Inspector\'s coverage', async () => {
    at('2026-11-10T06:00:00Z');
    expect(await stack.invoke('reconcile', {})).toMatchObject({ complete: true });
    at('2026-11-20T02:00:00Z');
    expect(await stack.invoke('reconcile', {})).toMatchObject({ complete: true });
    expect(kube.requests.length).toBeGreaterThan(0);
  });

  it('applies one event of every kind', async () => {
    at('2026-11-20T02:10:00Z');
    for (const [fn, event] of everyEvent(stack.cloud.home, 'app', clock.now)) {
      expect(await stack.invoke(fn, event), `${fn} ${event['detail-type']} ${event.detail?.eventName ?? ''}`).toMatchObject({ outcome: 'applied' });
    }
  });

  it('runs the nightly dry run: the advance notice on SNS and the webhook, the report in S3', async () => {
    at('2026-11-20T03:00:00Z');
    expect(await stack.invoke('sweep', {})).toMatchObject({ dryRun: true });
    expect(stack.cloud.published.length).toBeGreaterThan(0);
    expect(webhook.received.length).toBeGreaterThan(0);
    expect([...stack.cloud.objects.keys()].some((k) => k.endsWith('/index.html'))).toBe(true);
  });

  it('answers who-uses and takes a usage report through the function URLs', async () => {
    const answer = await stack.invoke('whoUses', urlRequest('GET', { image: 'app:1.5' }));
    expect(answer.statusCode, answer.body).toBe(200);
    const report = await stack.invoke('usageReports', urlRequest('POST', {}, JSON.stringify({ source: 'batch-host', reportedAt: clock.now, images: [{ image: 'app:1.4', workloads: ['cron/app'] }] })));
    expect(report.statusCode, report.body).toBe(200);
  });

  it('archives, then deletes over two invocations; the image a pod runs survives', async () => {
    at('2026-11-21T02:00:00Z');
    await stack.invoke('reconcile', {});
    at('2026-11-21T03:00:00Z');
    const config = JSON.parse(stack.template.functions.get('sweep')!.environment.ECR_LEDGER_CONFIG!);
    const archiving = await stack.invoke('sweep', {}, { environment: { DRY_RUN: 'false', ECR_LEDGER_CONFIG: JSON.stringify({ ...config, sweep: { action: 'archive', maxDeletionsPerRun: 3 } }) } });
    expect(archiving, JSON.stringify(stack.logged('sweep', 'sweep report'))).toMatchObject({ dryRun: false, deleted: 3, failures: 0 });
    at('2026-11-21T04:00:00Z');
    const first = await stack.invoke('sweep', {}, { environment: { DRY_RUN: 'false' }, remainingMs: 1_000 });
    expect(first).toMatchObject({ continues: true });
    const queued = stack.cloud.take(stack.template.ref('SweepContinueQueue'));
    expect(queued).toHaveLength(1);
    await stack.invoke('sweepContinue', sqsEvent(queued), { environment: { DRY_RUN: 'false' } });
    const report = stack.logged('sweepContinue', 'sweep report')[0]!;
    expect(report.totals.images).toBeGreaterThan(0);
    expect(report.notManaged).toContain('checkout');
    expect(stack.cloud.home.ecr.hasImage('preview/frontend', podImage)).toBe(true);
  });

  it('purges a repository its stack deletes (the custom resource\'s Create and Delete)', async () => {
    expect(await stack.invoke('purgeRepository', customResource('Create', 'preview/old', cloudFormation.url))).toMatchObject({ status: 'SUCCESS' });
    expect(await stack.invoke('purgeRepository', customResource('Delete', 'preview/old', cloudFormation.url))).toMatchObject({ status: 'SUCCESS', reason: 'purged 2 image(s) from preview/old' });
    expect(cloudFormation.received.map((r) => JSON.parse(r.body).Status)).toEqual(['SUCCESS', 'SUCCESS']);
  });
});

describe('the organisation stack as deployed (stage production-eu, ap-southeast-2)', () => {
  let stack: DeployedStack;
  let usedByMember: string;

  beforeAll(async () => {
    const world = organizationWorld();
    usedByMember = world.usedByMember;
    stack = await DeployedStack.start('.serverless-long/cloudformation-template-update-stack.json', world.home);
    stack.cloud.member(world.member);
    runs.push({ name: 'organisation', stack });
  });

  const reconcile = async () => {
    await stack.invoke('reconcile', {});
    const items = stack.cloud.take(stack.template.ref('ReconcileWorkQueue'));
    expect(items.map((b) => JSON.parse(b).scope.accountId).sort()).toEqual(['123456789012', '222222222222']);
    for (const item of items) expect(await stack.invoke('reconcileScope', sqsEvent([item]))).toEqual({ batchItemFailures: [] });
  };

  it('fans the reconcile out to one work item per scope, and each worker reconciles its scope through the reader role', async () => {
    at('2026-11-10T06:00:00Z');
    await reconcile();
    at('2026-11-20T02:00:00Z');
    await reconcile();
  });

  it('applies one event of every kind a member forwards, looked up through its reader role', async () => {
    at('2026-11-20T02:10:00Z');
    for (const [fn, event] of everyEvent(stack.cloud.accounts.get('222222222222')!, 'svc', clock.now)) {
      expect(await stack.invoke(fn, event), `${fn} ${event['detail-type']} ${event.detail?.eventName ?? ''}`).toMatchObject({ outcome: 'applied' });
    }
  });

  it('sweeps: announced one night, deleted the next; the image only a member uses survives', async () => {
    at('2026-11-20T03:00:00Z');
    expect(await stack.invoke('sweep', {})).toMatchObject({ dryRun: true });
    at('2026-11-21T02:00:00Z');
    await reconcile();
    at('2026-11-21T03:00:00Z');
    expect(await stack.invoke('sweep', {}, { environment: { DRY_RUN: 'false' } })).toMatchObject({ dryRun: false, failures: 0 });
    expect(stack.logged('sweep', 'sweep report').at(-1)!.totals.images).toBeGreaterThan(0);
    expect(stack.cloud.home.ecr.hasImage('team-a/api', usedByMember)).toBe(true);
  });

  afterAll(async () => stack?.close());
});

describe('the roles of both stacks', () => {
  it('allow every call each function made, and grant nothing no function used (but the reviewed list)', async () => {
    const findings = await checkRoles(runs);
    expect(findings.denied, findings.denied.join('\n')).toEqual([]);
    expect(findings.unused, findings.unused.join('\n')).toEqual([]);
    expect(findings.permissions).toEqual(findings.recorded);
  });
});
