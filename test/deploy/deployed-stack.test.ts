import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FakeKubernetes } from '../fakes/fake-kubernetes.js';
import { DeployedStack, LocalEndpoint, memberTrust } from './stack/deployed-stack.js';
import { trustAllows } from './stack/iam.js';
import { apiCallFrom, customResource, sampleFrom, sqsEvent, urlRequest, type Origin } from './stack/events.js';
import { applyEveryEvent, archiveInFake, archiving, digestOf, sweepInInvocations } from './stack/scenario-steps.js';
import { checkRoles, type StackRun } from './stack/role-check.js';
import { lateChanges, organizationWorld, singleAccountWorld } from './stack/worlds.js';
import { digest } from '../fixtures/account-builder.js';

// The packaged stacks (npm test packages both before vitest): every function's handler runs with its environment from
// the template, against the project's fakes, in every mode the code has; each AWS call is then judged by its role.

// Every function reads the time through system-clock: here it is the scenario's.
const clock = vi.hoisted(() => ({ now: '2026-11-10T06:00:00Z' }));
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
  const origin = (): Origin => ({ accountId: '123456789012', region: 'us-east-1', time: clock.now });

  it('reconciles the account, its EKS cluster, Inspector\'s coverage and probes its other region', async () => {
    at('2026-11-10T06:00:00Z');
    expect(await stack.invoke('reconcile', {})).toMatchObject({ complete: true });
    // A pod stops: the next reconcile releases its image.
    kube.objects.get('/api/v1/pods')!.splice(1);
    at('2026-11-20T02:00:00Z');
    expect(await stack.invoke('reconcile', {})).toMatchObject({ complete: true });
    expect(stack.cloud.calls.some((c) => c.fn === 'reconcile' && c.region === 'us-west-2')).toBe(true);
  });

  it('applies one event of every kind', async () => {
    at('2026-11-20T02:10:00Z');
    await applyEveryEvent(stack, stack.cloud.home, 'app', clock.now);
  });

  it('restores an archived image a new task definition (API call) or a service deployment (ECS event) refers to, in the managed repositories', async () => {
    const home = stack.cloud.home;
    const registry = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
    const [first, second] = [digestOf('preview/frontend', 3), digestOf('preview/frontend', 4)];
    const archive = (digest: string) => archiveInFake(stack, origin(), 'preview/frontend', digest);
    const register = async (revision: number, digest: string) => {
      const arn = home.ecs.addTaskDefinition('preview', revision, { web: `${registry}/preview/frontend@${digest}` });
      const event = apiCallFrom('ecs', 'RegisterTaskDefinition', origin(), { requestParameters: { family: 'preview' }, responseElements: { taskDefinition: { ...home.ecs.taskDefinitions.get(`preview:${revision}`)!, taskDefinitionArn: arn } } });
      expect(await stack.invoke('apiCallEvents', event)).toMatchObject({ outcome: 'applied' });
      return arn;
    };
    const published = stack.cloud.published.length;
    // A task definition registered with an archived image: restored at once.
    await archive(first);
    await register(1, first);
    expect(home.ecr.statusOf('preview/frontend', first)).toBe('ACTIVATING');
    // A service rolled out to a task definition whose image was archived since it was registered: restored at once.
    const td = await register(2, second);
    await archive(second);
    home.ecs.addService('prod', { serviceName: 'preview', deployments: [{ id: 'ecs-svc/p2', status: 'PRIMARY', taskDefinition: td, rolloutState: 'COMPLETED' }] });
    const deployed = sampleFrom('ecs-deployment-state-change-completed', origin(), { 'service/default/servicetest': 'service/prod/preview', 'ecs-svc/123': 'ecs-svc/p2' });
    expect(await stack.invoke('ecsEvents', deployed)).toMatchObject({ outcome: 'applied' });
    expect(home.ecr.statusOf('preview/frontend', second)).toBe('ACTIVATING');
    expect(stack.cloud.published.slice(published).map((p) => p.subject)).toEqual(['ecr-ledger: 1 archived image(s) in use', 'ecr-ledger: 1 archived image(s) in use']);
    const audit = await stack.ledger().sweep.audit({ accountId: '123456789012', region: 'us-east-1' }, { now: clock.now });
    expect(audit.filter((r) => r.status === 'restored').map((r) => [r.imageDigest, r.requestedBy])).toEqual([[first, expect.stringContaining('task-definition')], [second, expect.stringContaining('service')]]);
  });

  it('tells of an image in use that ECR deleted outside ecr-ledger: audited, the alarm\'s metric, SNS and the webhook', async () => {
    const home = stack.cloud.home;
    const used = home.ecr.digestOf('payments', '2.2')!;
    home.ecr.removeImage('payments', used);
    const published = stack.cloud.published.length;
    const hooks = webhook.received.length;
    const event = sampleFrom('ecr-image-action-delete', { accountId: '123456789012', region: 'us-east-1', time: clock.now }, { 'my-repository-name': 'payments', 'sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378abcd1234': used, latest: '2.2' });
    delete event.detail['image-tag'];
    expect(await stack.invoke('ecrEvents', event)).toMatchObject({ outcome: 'applied' });
    expect(stack.cloud.published.slice(published)).toEqual([expect.objectContaining({ subject: 'ecr-ledger: an image in use was deleted outside ecr-ledger', message: expect.stringContaining(`payments@${used}`) })]);
    expect(webhook.received.length).toBe(hooks + 1);
    expect(stack.metrics.filter((m) => m.fn === 'ecrEvents' && m.InUseImageDeleted !== undefined)).toEqual([expect.objectContaining({ service: 'events', InUseImageDeleted: 1 })]);
    expect(stack.logged('ecrEvents', 'in-use image deleted outside ecr-ledger')).toEqual([expect.objectContaining({ image: `payments@${used}`, usedBy: expect.arrayContaining([expect.stringMatching(/^ecs-service /)]) })]);
    const audit = await stack.ledger().sweep.audit({ accountId: '123456789012', region: 'us-east-1' }, { now: clock.now });
    expect(audit.filter((r) => r.status === 'deleted-elsewhere')).toEqual([expect.objectContaining({ repositoryName: 'payments', imageDigest: used, referrers: expect.arrayContaining([expect.objectContaining({ kind: 'ecs-service' })]) })]);
  });

  it('runs the nightly dry run: the advance notice on SNS and the webhook, the report in S3', async () => {
    at('2026-11-20T03:00:00Z');
    lateChanges(stack.cloud.home, '123456789012.dkr.ecr.us-east-1.amazonaws.com/payments:2.2', 1);
    expect(await stack.invoke('sweep', {})).toMatchObject({ dryRun: true });
    // What it runs with is in the table, for the CLI's deleting sweep (one delete switch, issue 34).
    expect(await stack.ledger().deployed.read()).toMatchObject({ dryRun: true, by: 'ecr-ledger-sweep', config: expect.any(Object) });
    expect(stack.cloud.published.length).toBeGreaterThan(0);
    expect(webhook.received.length).toBeGreaterThan(0);
    expect([...stack.cloud.objects.keys()].some((k) => k.endsWith('/index.html'))).toBe(true);
  });

  it('answers who-uses and takes a usage report through the function URLs', async () => {
    const answer = await stack.invoke('whoUses', urlRequest('GET', { image: 'app:1.5' }));
    expect(answer.statusCode, answer.body).toBe(200);
    for (const images of [[{ image: 'app:1.4', workloads: ['cron/app'] }], []]) {
      const report = await stack.invoke('usageReports', urlRequest('POST', {}, JSON.stringify({ source: 'batch-host', reportedAt: clock.now, images })));
      expect(report.statusCode, report.body).toBe(200);
    }
    // A source that stops reporting an image of this registry: the removal path (issue 33, point 1) releases it.
    const ran = `123456789012.dkr.ecr.us-east-1.amazonaws.com/preview/frontend@${digestOf('preview/frontend', 5)}`;
    for (const images of [[{ image: ran, workloads: ['cron/frontend'] }], []]) {
      const report = await stack.invoke('usageReports', urlRequest('POST', {}, JSON.stringify({ source: 'ecr-host', reportedAt: clock.now, images })));
      expect(report.statusCode, report.body).toBe(200);
    }
    // A source reports running an archived image: restored at once.
    const archived = digestOf('preview/frontend', 6);
    await archiveInFake(stack, origin(), 'preview/frontend', archived);
    const report = await stack.invoke('usageReports', urlRequest('POST', {}, JSON.stringify({ source: 'edge', reportedAt: clock.now, images: [{ image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/preview/frontend@${archived}`, workloads: ['kiosk'] }] })));
    expect(report.statusCode, report.body).toBe(200);
    expect(stack.cloud.home.ecr.statusOf('preview/frontend', archived)).toBe('ACTIVATING');
  });

  it('archives, then deletes, each run over three invocations; the image a pod runs survives', async () => {
    at('2026-11-21T02:00:00Z');
    await stack.invoke('reconcile', {});
    at('2026-11-21T03:00:00Z');
    lateChanges(stack.cloud.home, '123456789012.dkr.ecr.us-east-1.amazonaws.com/payments:2.2', 2);
    const archived = await sweepInInvocations(stack, { DRY_RUN: 'false', ECR_LEDGER_CONFIG: archiving(stack, 3) }, 3);
    expect(archived).toMatchObject({ action: 'archive', totals: { images: 3, failures: 0 } });
    at('2026-11-21T04:00:00Z');
    const deleted = await sweepInInvocations(stack, { DRY_RUN: 'false' }, 3);
    expect(deleted.totals.images).toBeGreaterThan(0);
    expect(deleted.totals.failures).toBe(0);
    expect(deleted.notManaged).toContain('checkout');
    expect(stack.cloud.home.ecr.hasImage('preview/frontend', podImage)).toBe(true);
    // Each run is one entry in the run log, however many invocations it took; each has its report.
    const runs = await stack.ledger().runs.runs({ accountId: '123456789012', region: 'us-east-1' }, { now: clock.now });
    expect(runs.map((r) => [r.mode, r.action, r.images])).toEqual([['deleting', 'delete', deleted.totals.images], ['deleting', 'archive', 3], ['dry-run', 'delete', expect.any(Number)]]);
    expect(runs.every((r) => r.reportKey?.endsWith('/index.html'))).toBe(true);
    // What each run freed, from the example's layers, measured after the run over three invocations (issue 35):
    // the deleting run freed some of what it deleted; archiving frees nothing.
    expect(runs[0]!.bytesFreed).toBeGreaterThan(0);
    expect(runs[0]!.bytesFreed).toBeLessThan(runs[0]!.bytes);
    expect(runs[1]!.bytesFreed).toBe(0);
    expect(stack.cloud.objects.get(`${stack.template.ref('ReportBucket')}/${runs[0]!.reportKey}`)).toContain(`ecr-ledger runs ${runs[0]!.runId} --table ecr-ledger-ci`);
  });

  it('purges a repository its stack deletes (the custom resource\'s Create and Delete)', async () => {
    lateChanges(stack.cloud.home, '123456789012.dkr.ecr.us-east-1.amazonaws.com/payments:2.2', 3);
    expect(await stack.invoke('purgeRepository', customResource('Create', 'preview/old', cloudFormation.url))).toMatchObject({ status: 'SUCCESS' });
    expect(await stack.invoke('purgeRepository', customResource('Delete', 'preview/old', cloudFormation.url))).toMatchObject({ status: 'SUCCESS', reason: 'purged 2 image(s) from preview/old' });
    expect(cloudFormation.received.map((r) => JSON.parse(r.body).Status)).toEqual(['SUCCESS', 'SUCCESS']);
  });

  it('restores on the next reconcile an archived image a pod runs (archived by someone else)', async () => {
    await archiveInFake(stack, origin(), 'preview/frontend', podImage);
    at('2026-11-22T02:00:00Z');
    await stack.invoke('reconcile', {});
    expect(stack.cloud.home.ecr.statusOf('preview/frontend', podImage)).toBe('ACTIVATING');
    expect(stack.metrics.filter((m) => m.fn === 'reconcile' && m.ImagesRestoredOnUse !== undefined)).toEqual([expect.objectContaining({ service: 'reconcile', ImagesRestoredOnUse: 1 })]);
  });
});

describe('the organisation stack as deployed (stage production-eu, ap-southeast-2)', () => {
  let stack: DeployedStack;
  let kube: FakeKubernetes;
  let usedByMember: string;
  const WEB = '123456789012.dkr.ecr.ap-southeast-2.amazonaws.com/team-a/web:v1';

  beforeAll(async () => {
    const world = await organizationWorld();
    ({ kube, usedByMember } = world);
    stack = await DeployedStack.start('.serverless-long/cloudformation-template-update-stack.json', world.home);
    stack.cloud.member(world.member);
    stack.cloud.organizationId = 'o-abcdefghij';
    await webhook.start();
    stack.cloud.parameters.set('/ecr-ledger/slack', webhook.url);
    runs.push({ name: 'organisation', stack });
  });
  const webhook = new LocalEndpoint();
  afterAll(async () => { kube?.close(); webhook.close(); await stack?.close(); });

  const reconcile = async () => {
    await stack.invoke('reconcile', {});
    const items = stack.cloud.take(stack.template.ref('ReconcileWorkQueue'));
    expect(items.map((b) => JSON.parse(b).scope.accountId).sort()).toEqual(['123456789012', '222222222222']);
    for (const item of items) expect(await stack.invoke('reconcileScope', sqsEvent([item]))).toEqual({ batchItemFailures: [] });
  };

  it('fans the reconcile out to one work item per scope, and each worker reconciles its scope through the reader role', async () => {
    at('2026-11-10T06:00:00Z');
    await reconcile();
    kube.objects.get('/api/v1/pods')!.splice(1);
    at('2026-11-20T02:00:00Z');
    await reconcile();
  });

  it('applies one event of every kind a member forwards, looked up through its reader role', async () => {
    at('2026-11-20T02:10:00Z');
    await applyEveryEvent(stack, stack.cloud.accounts.get('222222222222')!, 'svc', clock.now);
  });

  it('sweeps: announced one night; archived, then deleted the next; the image only a member uses survives', async () => {
    at('2026-11-20T03:00:00Z');
    lateChanges(stack.cloud.home, WEB, 1);
    expect(await stack.invoke('sweep', {})).toMatchObject({ dryRun: true });
    at('2026-11-21T02:00:00Z');
    await reconcile();
    at('2026-11-21T03:00:00Z');
    lateChanges(stack.cloud.home, WEB, 2);
    expect(await stack.invoke('sweep', {}, { environment: { DRY_RUN: 'false', ECR_LEDGER_CONFIG: archiving(stack, 1) } })).toMatchObject({ dryRun: false, deleted: 1, failures: 0 });
    at('2026-11-21T04:00:00Z');
    expect(await stack.invoke('sweep', {}, { environment: { DRY_RUN: 'false' } })).toMatchObject({ dryRun: false, failures: 0 });
    expect(stack.logged('sweep', 'sweep report').at(-1)!.totals.images).toBeGreaterThan(0);
    expect(stack.cloud.home.ecr.hasImage('team-a/api', usedByMember)).toBe(true);
  });

  it('continues a dry run in a second invocation, the members read there too', async () => {
    at('2026-11-21T05:00:00Z');
    lateChanges(stack.cloud.home, WEB, 3);
    expect(await sweepInInvocations(stack, {}, 2)).toMatchObject({ dryRun: true });
  });

  it('restores, in the worker of the central scope, an archived image in use', async () => {
    await archiveInFake(stack, { accountId: '123456789012', region: 'ap-southeast-2', time: clock.now }, 'team-a/web', digest('web-1'));
    at('2026-11-22T02:00:00Z');
    await reconcile();
    expect(stack.cloud.home.ecr.statusOf('team-a/web', digest('web-1'))).toBe('ACTIVATING');
    expect(webhook.received.length).toBeGreaterThan(0);
  });

  it('purges a repository of the central account, and refuses one whose image a member uses (custom resource Delete)', async () => {
    const cloudFormation = await new LocalEndpoint().start();
    try {
      expect(await stack.invoke('purgeRepository', customResource('Delete', 'team-a/old', cloudFormation.url))).toMatchObject({ status: 'SUCCESS', reason: 'purged 2 image(s) from team-a/old' });
      const refused = await stack.invoke('purgeRepository', customResource('Delete', 'team-a/api', cloudFormation.url));
      expect(refused).toMatchObject({ status: 'FAILED' });
      expect(refused.reason).toContain('222222222222');
      expect(stack.cloud.home.ecr.hasImage('team-a/api', usedByMember)).toBe(true);
    } finally {
      cloudFormation.close();
    }
  });
});

describe('the member reader role\'s trust, evaluated on every AssumeRole (issue 33, point 2)', () => {
  it('lets the central functions that read members assume it, and no other role; a narrower trust refuses them', async () => {
    const org = runs.find((r) => r.name === 'organisation')!.stack;
    const member = [...org.cloud.accounts.keys()].find((id) => id !== org.cloud.home.accountId)!;
    const reader = `arn:aws:iam::${member}:role/ecr-ledger-reader`;
    expect(await org.cloud.trust!('reconcileScope', reader)).toBe(true);
    expect(await org.cloud.trust!('sweep', reader)).toBe(true);
    expect(await org.cloud.trust!('whoUses', reader)).toBe(false); // a central role the trust does not name
    // The same roles, judged by a trust written for another stage: refused (the stack test fails on a narrowed trust).
    const narrowed = memberTrust(org.cloud.home.accountId, 'other-stage', org.template.region);
    expect(await trustAllows(narrowed, `arn:aws:iam::${org.cloud.home.accountId}:role/${org.template.functions.get('reconcileScope')!.roleName}`, reader, member)).toBe(false);
  });
});

describe('the roles of both stacks', () => {
  it('allow every call each function made, and grant nothing no function used (but the reviewed list)', async () => {
    for (const { stack } of runs) expect(stack.template.unattachedRoles, 'a role no function runs with').toEqual([]);
    // Every call was made inside the invocation credited with it (no call ran on after its invocation ended).
    for (const { name, stack } of runs) expect(stack.cloud.strayCalls, `${name}: calls outside their invocation`).toEqual([]);
    const findings = await checkRoles(runs);
    expect(findings.denied, findings.denied.join('\n')).toEqual([]);
    expect(findings.unused, findings.unused.join('\n')).toEqual([]);
    // What the code needs, derived here, is what `doctor` checks a deployed stack for (UPDATE_PERMISSIONS=1 rewrites it).
    expect(findings.recorded, `${'deploy/required-permissions.json'} is not what the functions call: rerun with UPDATE_PERMISSIONS=1 and review the diff`).toEqual(findings.permissions);
  });
});
