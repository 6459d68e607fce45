import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AwsCaller } from '../../src/adapters/aws/caller.js';
import { LiveAccountReader } from '../../src/adapters/aws/account-reader.js';
import { enqueueScopes, parseWorkItem } from '../../src/adapters/aws/work-queue.js';
import { regionProber } from '../../src/adapters/aws/region-probe.js';
import { defaultConfig } from '../../src/config.js';
import { createFanOutHandler, createScopeWorker } from '../../src/handlers/organization-handlers.js';
import { FakeAccount } from '../fakes/fake-account.js';
import { FakeOrganisation } from '../fakes/fake-organisation.js';
import { embeddedLedger } from '../fixtures/embedded-ledger.js';

const REGION = 'eu-west-1';
const context = (ms: number) => ({ getRemainingTimeInMillis: () => ms }) as never;

describe('the organisation reconcile on SQS (fan-out and one scope per work item)', () => {
  const embedded = embeddedLedger('all');
  afterEach(() => { vi.restoreAllMocks(); });

  it('fans out one message per scope, in batches SQS accepts', async () => {
    const sqs = new SQSClient({ region: REGION, credentials: { accessKeyId: 'fake', secretAccessKey: 'fake' } });
    const mock = mockClient(sqs).on(SendMessageBatchCommand).callsFake((input) => {
      if (input.Entries.length > 10) throw new Error('too many entries');
      return { Successful: input.Entries.map((e: { Id: string }) => ({ Id: e.Id })), Failed: [] };
    });
    const scopes = Array.from({ length: 23 }, (_, i) => ({ accountId: String(100000000000 + i), region: REGION }));
    const logs: string[] = [];
    const handler = createFanOutHandler({ scopes: async () => scopes, enqueue: (s, runId) => enqueueScopes(sqs, 'https://sqs/q', s, runId), log: (_l, m) => logs.push(m) });
    expect(await handler({}, context(60_000))).toMatchObject({ scopes: 23 });
    const sent = mock.commandCalls(SendMessageBatchCommand).flatMap((c) => c.args[0].input.Entries!.map((e) => parseWorkItem(e.MessageBody!).scope));
    expect(sent).toEqual(scopes);
    expect(logs).toEqual(['reconcile fanned out']);
  });

  it('marks one work item per account to probe that account\'s other regions', async () => {
    const sqs = new SQSClient({ region: REGION, credentials: { accessKeyId: 'fake', secretAccessKey: 'fake' } });
    const mock = mockClient(sqs).on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const scopes = [{ accountId: '111111111111', region: REGION }, { accountId: '222222222222', region: REGION }, { accountId: '222222222222', region: 'us-west-2' }];
    await enqueueScopes(sqs, 'https://sqs/q', scopes, 'r1');
    const items = mock.commandCalls(SendMessageBatchCommand).flatMap((c) => c.args[0].input.Entries!.map((e) => parseWorkItem(e.MessageBody!)));
    expect(items.map((i) => i.probeRegions)).toEqual([{ skip: [REGION] }, { skip: [REGION, 'us-west-2'] }, undefined]);
  });

  it('the marked item probes the member\'s other regions through its role and records what runs there', async () => {
    const org = new FakeOrganisation();
    const b = org.add(new FakeAccount('222222222222', REGION));
    b.enabledRegions = [REGION, 'us-west-2', 'ap-south-1'];
    b.in('us-west-2').ecs.addCluster('west');
    const access = org.factory({ home: { accountId: '111111111111', region: REGION }, roleName: 'ecr-ledger-reader' }).access;
    const logs: Array<Record<string, unknown>> = [];
    const clock = () => new Date('2026-11-20T00:00:00Z');
    const worker = createScopeWorker({
      ledger: embedded.ledger, config: defaultConfig(), clock, log: (level, message, fields) => logs.push({ level, message, ...fields }), parse: parseWorkItem,
      readerFor: async (scope) => new LiveAccountReader(await access.clients(scope), { scope: defaultConfig().scope, clock, caller: new AwsCaller({ sleep: async () => undefined }) }),
      probeRegions: regionProber({ from: REGION, caller: new AwsCaller({ sleep: async () => undefined }), now: clock, scope: defaultConfig().scope, clientsIn: (accountId, region) => access.clients({ accountId, region }) }),
    });
    const body = JSON.stringify({ scope: { accountId: '222222222222', region: REGION }, runId: 'r2', probeRegions: { skip: [REGION] } });
    expect(await worker({ Records: [{ messageId: 'p1', body }] }, context(900_000))).toEqual({ batchItemFailures: [] });
    const probe = (await embedded.ledger.regionProbes()).find((p) => p.accountId === '222222222222');
    expect(probe?.regions.map((r) => r.region)).toEqual(['ap-south-1', 'us-west-2']);
    expect(probe?.regions.find((r) => r.region === 'us-west-2')).toMatchObject({ ecsClusters: 1 });
    expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', account: '222222222222', message: expect.stringContaining('222222222222/us-west-2 runs workloads (1 ECS cluster) that the ledger does not hold') }));
  });

  it('reconciles each member scope through its role; a denied one is reported by name and acknowledged, a timed-out one retried', async () => {
    const org = new FakeOrganisation();
    const b = org.add(new FakeAccount('222222222222', REGION));
    b.ecs.addTaskDefinition('app', 1, { app: 'nginx:1' });
    org.add(new FakeAccount('444444444444', REGION));
    org.denied.add('444444444444');
    const access = org.factory({ home: { accountId: '111111111111', region: REGION }, roleName: 'ecr-ledger-reader' }).access;
    const logs: Array<Record<string, unknown>> = [];
    let deadline = false;
    const emitted: Array<Record<string, unknown>> = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      emitted.push(...String(chunk).split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>));
      return true;
    });
    const worker = createScopeWorker({
      ledger: embedded.ledger, config: defaultConfig(), clock: () => new Date('2026-11-20T00:00:00Z'), log: (level, message, fields) => logs.push({ level, message, ...fields }), parse: parseWorkItem,
      readerFor: async (scope) => new LiveAccountReader(await access.clients(scope), { scope: defaultConfig().scope, clock: () => new Date('2026-11-20T00:00:00Z'), caller: new AwsCaller({ sleep: async () => undefined, ...(deadline && { stopAt: 1, now: () => 2 }) }) }),
      metrics: new Metrics({ namespace: 'ecr-ledger', serviceName: 'reconcile' }),
    });
    const message = (accountId: string, messageId: string) => ({ messageId, body: JSON.stringify({ scope: { accountId, region: REGION }, runId: 'r1' }) });
    const result = await worker({ Records: [message('222222222222', 'm1'), message('444444444444', 'm2'), { messageId: 'm3', body: '{"scope":{}}' }] }, context(900_000));
    expect(result).toEqual({ batchItemFailures: [] });
    expect((await embedded.ledger.watermark({ accountId: '222222222222', region: REGION }))?.reconciledAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await embedded.ledger.watermark({ accountId: '444444444444', region: REGION })).toBeUndefined();
    expect(logs.find((l) => l.message === 'scope not reconciled')).toMatchObject({ level: 'error', scope: `444444444444/${REGION}`, reason: expect.stringContaining('AccessDenied') });
    expect(logs.find((l) => l.message === 'reconcile work item refused')).toMatchObject({ messageId: 'm3', reason: expect.stringContaining('no valid scope') });
    // Not a log line only (issue 33, point 5): the unreadable scope is a metric the UnreadableScope alarm watches.
    expect(emitted.filter((l) => l._aws && l.UnreadableScope === 1 && l.service === 'reconcile')).toHaveLength(1);
    expect(emitted.filter((l) => l._aws && l.ReconcilesCompleted === 1)).toHaveLength(1);
    deadline = true;
    expect(await worker({ Records: [message('222222222222', 'm4')] }, context(900_000))).toEqual({ batchItemFailures: [{ itemIdentifier: 'm4' }] });
  });
});
