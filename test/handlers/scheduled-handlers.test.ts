import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AwsCaller } from '../../src/adapters/aws/caller.js';
import { LiveSweepAws } from '../../src/adapters/aws/sweep-aws.js';
import { regionProber } from '../../src/adapters/aws/region-probe.js';
import { createReconcileHandler, createSweepContinuationHandler, createSweepHandler } from '../../src/handlers/scheduled-handlers.js';
import { day, HOST, SCOPE, SweepWorld } from '../fixtures/sweep-world.js';

let world: SweepWorld;
afterEach(async () => {
  vi.restoreAllMocks();
  await world?.close();
});

const context = (remainingMs: number) => ({ getRemainingTimeInMillis: () => remainingMs }) as never;

describe('scheduled handlers', () => {
  it('the reconcile fails when its time runs out and the retry resumes from the checkpoint', async () => {
    world = await SweepWorld.start();
    for (let rev = 1; rev <= 50; rev += 1) world.account.ecs.addTaskDefinition('app', rev, { app: 'app:1' });
    const logs: string[] = [];
    let budget = 10; // calls this invocation may start
    const emitted: Array<Record<string, unknown>> = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      emitted.push(...String(chunk).split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>));
      return true;
    });
    const completed = () => emitted.filter((l) => l._aws && l.ReconcilesCompleted === 1 && l.service === 'reconcile');
    const handler = createReconcileHandler({
      ledger: world.ledger, config: world.config, clock: () => day(3), log: (level, message) => logs.push(`${level} ${message}`),
      reader: () => world.account.reader({ caller: new AwsCaller({ sleep: async () => undefined, stopAt: 1, now: () => (budget-- > 0 ? 0 : 2) }) }),
      metrics: new Metrics({ namespace: 'ecr-ledger', serviceName: 'reconcile' }),
    });
    await expect(handler({}, context(900_000))).rejects.toThrow(/ran out of time/);
    expect(logs).toContain('warn reconcile ran out of time; the next attempt resumes from its checkpoint');
    expect(completed()).toHaveLength(0); // the ReconcileNotFinished alarm counts finished reconciles, not invocations
    budget = 1_000;
    expect(await handler({}, context(900_000))).toMatchObject({ complete: true });
    expect(completed()).toHaveLength(1);
    expect((await world.ledger.load(SCOPE)).facts.taskDefinitions).toHaveLength(50);
  });

  it('the reconcile probes the account\'s other regions and warns of one that runs workloads the ledger does not hold', async () => {
    world = await SweepWorld.start();
    world.account.enabledRegions = [SCOPE.region, 'eu-central-1'];
    world.account.in('eu-central-1').lambda.addVersion('resize', '$LATEST', { imageUri: `${SCOPE.accountId}.dkr.ecr.${SCOPE.region}.amazonaws.com/app:1` });
    const logs: string[] = [];
    const caller = new AwsCaller({ sleep: async () => undefined });
    const handler = createReconcileHandler({
      ledger: world.ledger, config: world.config, clock: () => day(3), log: (level, message) => logs.push(`${level} ${message}`),
      reader: () => world.account.reader(),
      probeRegions: regionProber({ from: SCOPE.region, caller, now: () => day(3), scope: world.config.scope, clientsIn: (_a, region) => world.account.clientsIn(region) }),
    });
    expect(await handler({}, context(900_000))).toMatchObject({ complete: true });
    expect(logs).toContain(`warn ${SCOPE.accountId}/eu-central-1 runs workloads (1 image Lambda function) that the ledger does not hold: nothing in a repository they can pull from is deleted (reconcile that region, or list it in scope.ignoreRegions if its workloads do not pull from this registry)`);
    expect(caller.counts.get('ecs:ListClusters')).toBe(1); // the reconciled region is not probed again
    expect((await world.ledger.regionProbes())[0]).toMatchObject({ accountId: SCOPE.accountId, probedAt: day(3).toISOString(), regions: [{ region: 'eu-central-1', imageFunctions: 1 }] });
  });

  it('the sweep is a dry run unless told otherwise, logs one report line and emits metrics', async () => {
    world = await SweepWorld.start();
    world.image('app', 'old', [], 30);
    await world.ready();
    const lines: string[] = [];
    // Powertools writes EMF straight to stdout through its own console.
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split('\n').filter((l) => l.startsWith('{')));
      return true;
    });
    const make = (dryRun: boolean) => createSweepHandler({
      store: world.ledger.sweep, events: world.ledger.events, index: () => world.ledger.usageIndex(), config: world.config, clock: () => day(3), dryRun, log: (level, message, fields) => lines.push(JSON.stringify({ level, message, ...fields })),
      scope: async () => SCOPE, aws: (scope) => new LiveSweepAws(world.account.clients(), new AwsCaller({ sleep: async () => undefined }), scope, world.config, () => day(3)),
      metrics: new Metrics({ namespace: 'ecr-ledger-test', serviceName: 'sweep' }),
    });
    expect(await make(true)({}, context(900_000))).toEqual({ dryRun: true, deleted: 1, failures: 0 });
    expect(world.exists('app', 'old')).toBe(true);
    expect(await make(false)({}, context(900_000))).toEqual({ dryRun: false, deleted: 1, failures: 0 });
    expect(world.exists('app', 'old')).toBe(false);
    const report = lines.map((l) => JSON.parse(l)).find((l) => l.message === 'sweep report' && l.dryRun === false);
    expect(report.totals).toMatchObject({ images: 1, bytes: 1_000_000 });
    const emf = lines.map((l) => JSON.parse(l)).find((l) => l._aws && l.dryRun === 'false');
    expect(emf).toMatchObject({ ImagesDeleted: 1, BytesDeleted: 1_000_000 });
    expect(emf._aws.CloudWatchMetrics[0].Namespace).toBe('ecr-ledger-test');
  });

  it('refuses to sweep a table of an older layout (it would miss references of other scopes) and deletes nothing', async () => {
    world = await SweepWorld.start();
    world.image('app', 'old', [], 30);
    await world.ready();
    // The table as ecr-ledger wrote it before layout 3: the marker says 2.
    await DynamoDBDocumentClient.from(world.engine.client).send(new PutCommand({ TableName: world.engine.tableName, Item: { pk: 'LAYOUT', sk: 'LAYOUT', version: 2 } }));
    const lines: Array<Record<string, unknown>> = [];
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const handler = createSweepHandler({
      store: world.ledger.sweep, events: world.ledger.events, index: () => world.ledger.usageIndex(), config: world.config, clock: () => day(3), dryRun: false, log: (level, message, fields) => lines.push({ level, message, ...fields }),
      scope: async () => SCOPE, aws: (scope) => new LiveSweepAws(world.account.clients(), new AwsCaller({ sleep: async () => undefined }), scope, world.config, () => day(3)),
      metrics: new Metrics({ namespace: 'ecr-ledger-test', serviceName: 'sweep' }),
      requireLayout: () => world.ledger.layout.require('the ledger table', '--table T'),
    });
    await expect(handler({}, context(900_000))).rejects.toThrow('the deployed reconcile upgrades it on its next run');
    expect(world.exists('app', 'old')).toBe(true);
    expect(lines.find((l) => l.message === 'sweep refused')?.reason).toContain('was written by an older ecr-ledger (layout 2)');
  });

  it('the sweep runs when the advance notice fails, and writes its HTML report page after the run', async () => {
    world = await SweepWorld.start();
    world.image('app', 'old', [], 30);
    await world.ready();
    const lines: Array<Record<string, unknown>> = [];
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const pages: Array<{ scope: unknown; runId: string }> = [];
    const handler = createSweepHandler({
      store: world.ledger.sweep, events: world.ledger.events, index: () => world.ledger.usageIndex(), config: world.config, clock: () => day(3), dryRun: true, log: (level, message, fields) => lines.push({ level, message, ...fields }),
      scope: async () => SCOPE, aws: (scope) => new LiveSweepAws(world.account.clients(), new AwsCaller({ sleep: async () => undefined }), scope, world.config, () => day(3)),
      metrics: new Metrics({ namespace: 'ecr-ledger-test', serviceName: 'sweep' }),
      notice: async () => { throw new Error('SNS is down'); },
      publishReport: async (scope, report) => { pages.push({ scope, runId: report.runId }); return `s3://reports/${report.runId}/index.html`; },
      lifecycleCheck: async () => ({ now: '', scope: SCOPE, repositoriesWithoutPolicy: 0, endangered: 1, warnings: [], repositories: [{ repositoryName: 'app', problems: [], rules: [{ rulePriority: 1, action: 'expire', selected: 1, endangered: [{ imageDigest: 'sha256:x', imageTags: ['v1'], imagePushedAt: '', selectedBecause: '', usedBy: [] }] }] }] }),
    });
    expect(await handler({}, context(900_000))).toEqual({ dryRun: true, deleted: 1, failures: 0 });
    expect(lines.find((l) => l.message === 'advance notice failed')).toMatchObject({ level: 'error', reason: 'SNS is down' });
    expect(pages).toHaveLength(1);
    expect(lines.find((l) => l.message === 'lifecycle-check')).toEqual({ level: 'warn', message: 'lifecycle-check', endangered: 1, rules: [{ repository: 'app', rule: 1, action: 'expire', images: ['v1'] }] });
    expect(lines.find((l) => l.message === 'sweep report page written')).toEqual({ level: 'info', message: 'sweep report page written', key: `s3://reports/${pages[0]!.runId}/index.html` });
  });

  it('a sweep too large for one invocation queues its next invocation, which goes on until the run is done and reports it once', async () => {
    world = await SweepWorld.start();
    for (const r of ['a', 'b', 'c', 'd']) world.image(r, `${r}-old`, [], 30);
    // An image a service runs, in a repository the run reaches in a later invocation.
    world.image('c', 'c-live', ['live'], 30);
    const td = world.account.ecs.addTaskDefinition('svc', 1, { svc: `${HOST}/c:live` });
    world.account.ecs.addService('prod', { serviceName: 'svc', deployments: [{ id: 'd1', status: 'PRIMARY', taskDefinition: td }] });
    await world.ready();
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const lines: Array<Record<string, unknown>> = [];
    const queued: Array<{ scope: unknown; runId: string; invocations: number }> = [];
    const deps = {
      store: world.ledger.sweep, events: world.ledger.events, index: () => world.ledger.usageIndex(), config: world.config, clock: () => day(3), dryRun: false, log: (level: string, message: string, fields?: Record<string, unknown>) => lines.push({ level, message, ...fields }),
      scope: async () => SCOPE, aws: (scope: typeof SCOPE) => new LiveSweepAws(world.account.clients(), new AwsCaller({ sleep: async () => undefined }), scope, world.config, () => day(3)),
      metrics: new Metrics({ namespace: 'ecr-ledger-test', serviceName: 'sweep' }),
      // One repository per batch, and each invocation has time for one batch only (60 s left, less than the reserve).
      batched: { progress: world.ledger.sweepProgress, continueRun: async (scope: unknown, runId: string, invocations: number) => void queued.push({ scope, runId, invocations }), batchRepositories: 1 },
    } as Parameters<typeof createSweepHandler>[0];
    const context = { getRemainingTimeInMillis: () => 60_000 } as never;
    expect(await createSweepHandler(deps)({}, context)).toMatchObject({ deleted: 1, continues: true });
    const continuation = createSweepContinuationHandler(deps);
    for (let i = 0; i < 3; i += 1) await continuation({ Records: [{ body: JSON.stringify(queued.at(-1)) }] }, context);
    expect(queued).toHaveLength(3);
    expect(new Set(queued.map((q) => q.runId)).size).toBe(1);
    const reports = lines.filter((l) => l.message === 'sweep report');
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ runId: queued[0]!.runId, totals: { images: 4 } });
    for (const r of ['a', 'b', 'c', 'd']) expect(world.exists(r, `${r}-old`)).toBe(false);
    expect(world.exists('c', 'c-live')).toBe(true);
    expect(queued.map((q) => q.invocations)).toEqual([1, 2, 3]);
    // A message SQS delivers a second time is logged and ignored: no second report, nothing queued.
    expect(await continuation({ Records: [{ body: JSON.stringify(queued[1]) }] }, context)).toBeUndefined();
    expect(lines.filter((l) => l.message === 'sweep report')).toHaveLength(1);
    expect(queued).toHaveLength(3);
  });
});
