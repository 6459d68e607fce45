import { DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsCaller, ReadDeadlineError } from '../../src/adapters/aws/caller.js';
import { DynamoDbLedger } from '../../src/adapters/dynamodb-ledger.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../src/adapters/embedded-dynamodb.js';
import { reconcileFromAws } from '../../src/app/live.js';
import { defaultConfig } from '../../src/config.js';
import { busyAccount } from '../fakes/busy-account.js';
import type { FakeAccount } from '../fakes/fake-account.js';
import { awsError } from '../fakes/faults.js';

const SCOPE = { accountId: '123456789012', region: 'us-east-1' };
const NOW = new Date('2026-11-20T12:00:00Z');

// 300 images (the checkpoint concerns task definitions; paging is live-account.test.ts's) written one request each: a few seconds.
describe('live reconcile into the ledger (embedded engine, fake AWS)', { timeout: 180_000 }, () => {
  let engine: EmbeddedDynamoDb;
  let ledger: DynamoDbLedger;
  let account: FakeAccount;
  const reconcile = (caller?: AwsCaller) => reconcileFromAws({ ledger, reader: account.reader({ ...(caller && { caller }) }), clock: () => NOW }, defaultConfig());
  const describes = () => account.ecs.mock.commandCalls(DescribeTaskDefinitionCommand).length;

  beforeEach(async () => {
    engine = await startEmbeddedDynamoDb();
    ledger = new DynamoDbLedger(engine.client, engine.tableName);
    account = busyAccount(300);
  });
  afterEach(async () => engine.close());

  it('resumes an interrupted first read from its checkpoint, without describing again what it had fetched', async () => {
    account.faults.failAt('ecs:DescribeTaskDefinition', 120, () => awsError('ClientException', 'injected failure', 400));
    await expect(reconcile()).rejects.toThrow('ecs:DescribeTaskDefinition failed: ClientException: injected failure');
    expect(await ledger.scopes()).toEqual([]); // no fact, no watermark
    const saved = await ledger.readCheckpoint(SCOPE);
    expect(saved.length).toBeGreaterThanOrEqual(115);
    account.ecs.mock.resetHistory();
    const result = await reconcile();
    expect(result.resumed).toBe(saved.length);
    expect(describes()).toBe(150 - saved.filter((e) => e.kind === 'task-definition').length);
    expect(result.images).toBe(300);
    expect(await ledger.readCheckpoint(SCOPE)).toEqual([]);
    expect((await ledger.load(SCOPE)).facts.taskDefinitions).toHaveLength(150);
  });

  it('stops at its deadline, keeps what it fetched, and the next run finishes the job', async () => {
    let ticks = 0;
    const caller = new AwsCaller({ sleep: async () => undefined, stopAt: 1_000, now: () => (++ticks > 300 ? 2_000 : 0) });
    await expect(reconcile(caller)).rejects.toBeInstanceOf(ReadDeadlineError);
    const saved = await ledger.readCheckpoint(SCOPE);
    expect(saved.length).toBeGreaterThan(0);
    account.ecs.mock.resetHistory();
    await reconcile();
    expect(describes()).toBe(150 - saved.filter((e) => e.kind === 'task-definition').length);
  });

  it('never shows checkpointed entries as facts', async () => {
    await reconcile();
    await ledger.saveCheckpoint(SCOPE, [{ kind: 'task-definition', id: 'ghost:1', fragment: { family: 'ghost', revision: 1 } }]);
    expect(await ledger.readCheckpoint(SCOPE)).toHaveLength(1);
    expect((await ledger.load(SCOPE)).facts.taskDefinitions.map((td) => td.family)).not.toContain('ghost');
  });
});
