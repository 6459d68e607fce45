import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbLedger } from '../src/adapters/dynamodb-ledger.js';
import { startEmbeddedDynamoDb } from '../src/adapters/embedded-dynamodb.js';
import { applyEvent } from '../src/app/events/apply-event.js';
import { defaultConfig } from '../src/config.js';
import type { LedgerChange } from '../src/events/ledger-event.js';
import { digest } from './generate-account.js';
import { outsideDeletions } from '../src/app/undo/outside-deletion.js';

/**
 * Events through the application service on the embedded engine, one at a time (as one Lambda per event),
 * beside the engine's raw sequential PutItem rate measured in the same run; DynamoDB requests counted per event type.
 */
export async function benchEvents(count = 2_000): Promise<void> {
  const engine = await startEmbeddedDynamoDb();
  const requests = { n: 0 };
  engine.client.middlewareStack.add((next) => async (args) => {
    requests.n += 1;
    return next(args);
  }, { step: 'initialize', name: 'countRequests' });
  const ledger = new DynamoDbLedger(engine.client, engine.tableName);

  const t0 = performance.now();
  for (let i = 0; i < count; i += 1) {
    await engine.client.send(new PutItemCommand({ TableName: engine.tableName, Item: { pk: { S: `raw#${i}` }, sk: { S: 'F' }, fact: { M: { repositoryName: { S: 'app' }, imageDigest: { S: digest(`raw-${i}`) } } }, observedAt: { S: new Date().toISOString() } } }));
  }
  const rawRate = count / ((performance.now() - t0) / 1000);

  const HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
  const at = (i: number) => new Date(Date.parse('2026-11-01T00:00:00Z') + i * 1000).toISOString();
  const task = (i: number, lastStatus: string) => ({
    taskArn: `arn:aws:ecs:us-east-1:123456789012:task/prod/t${i}`, clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod',
    taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/app:1', lastStatus, ...(lastStatus === 'STOPPED' && { stoppedAt: at(4 * Math.floor(count / 5) + i) }),
    containers: [{ name: 'app', image: `${HOST}/app:b${i}`, imageDigest: digest(`app-${i}`) }, { name: 'log', image: `${HOST}/fluentd:latest`, imageDigest: digest(`fluentd-${i}`) }],
  });
  const kinds: Array<[string, (i: number) => LedgerChange, number?]> = [
    ['ECR push, new tag', (i) => ({ kind: 'image-pushed', repositoryName: 'app', imageDigest: digest(`app-${i}`), tag: `b${i}` })],
    ['ECR push, tag moves', (i) => ({ kind: 'image-pushed', repositoryName: 'fluentd', imageDigest: digest(`fluentd-${i}`), tag: 'latest' })],
    ['ECR push, untagged', (i) => ({ kind: 'image-pushed', repositoryName: 'app', imageDigest: digest(`untagged-${i}`) })],
    ['ECS task RUNNING (2 containers)', (i) => ({ kind: 'task-state', task: task(i, 'RUNNING'), version: 1 })],
    ['ECS task STOPPED (2 containers)', (i) => ({ kind: 'task-state', task: task(i, 'STOPPED'), version: 2 })],
  ];
  const deps = { ledger: ledger.events, config: defaultConfig(), warn: () => undefined };
  const perKind = Math.floor(count / kinds.length);
  const rows: Array<[string, number, number]> = [];
  let events = 0;
  const t1 = performance.now();
  // Each kind's events after the previous kind's, as they happen (tasks stop after the pushes that moved tags on).
  for (const [k, [name, make]] of kinds.entries()) {
    const before = requests.n;
    for (let i = 0; i < perKind; i += 1) {
      await applyEvent(deps, { eventId: `${name}-${i}`, at: at(k * perKind + i), accountId: '123456789012', region: 'us-east-1', change: make(i) });
      events += 1;
    }
    rows.push([name, (requests.n - before) / perKind, perKind]);
  }
  const eventRate = events / ((performance.now() - t1) / 1000);

  // The undo checks the deployed event functions add (undo.md): restore on use reads the images a change refers to;
  // an ECR delete reads whether the image was in use. Measured with no image archived and none in use (the usual case).
  const config = defaultConfig();
  const undo = {
    ...deps,
    archived: { index: () => ledger.usageIndex(), restore: { config, clock: () => new Date(at(0)), restorer: () => undefined, tell: async () => undefined } },
    deletions: outsideDeletions({ index: () => ledger.usageIndex(), store: ledger.sweep, config, tell: async () => undefined }),
  };
  const checked: Array<[string, (i: number) => LedgerChange]> = [
    ['ECS task RUNNING + restore-on-use check', (i) => ({ kind: 'task-state', task: task(perKind + i, 'RUNNING'), version: 1 })],
    ['ECR delete + in-use check', (i) => ({ kind: 'image-deleted', repositoryName: 'app', imageDigest: digest(`untagged-${i}`) })],
  ];
  const withChecks: Array<[string, number, number]> = [];
  for (const [name, make] of checked) {
    const before = requests.n;
    for (let i = 0; i < perKind; i += 1) await applyEvent(undo, { eventId: `${name}-${i}`, at: at(perKind + i), accountId: '123456789012', region: 'us-east-1', change: make(i) });
    withChecks.push([name, (requests.n - before) / perKind, perKind]);
  }
  await engine.close();

  console.log('\nevents through the application service (embedded engine, sequential, offline lookups)');
  console.log('  event type                          DynamoDB requests/event   events');
  for (const [name, perEvent, n] of rows) console.log(`  ${name.padEnd(36)} ${perEvent.toFixed(2).padStart(10)}   ${String(n).padStart(14)}`);
  for (const [name, perEvent, n] of withChecks) console.log(`  ${name.padEnd(36)} ${perEvent.toFixed(2).padStart(10)}   ${String(n).padStart(14)}`);
  const plainTask = rows.find((r) => r[0].startsWith('ECS task RUNNING'))![1];
  console.log(`  the restore-on-use check adds ${(withChecks[0]![1] - plainTask).toFixed(2)} requests to a task state change (ratio ${(withChecks[0]![1] / plainTask).toFixed(2)})`);
  const worst = Math.max(...rows.map((r) => r[1]));
  console.log(`  at most ${worst.toFixed(2)} requests per ECR push or task state change (target <= 3: ${worst <= 3 ? 'met' : 'MISSED'})`);
  const stopped = rows.find((r) => r[0].startsWith('ECS task STOPPED'))![1];
  console.log(`  a task STOPPED with two digests: ${stopped.toFixed(2)} requests (target <= 4: ${stopped <= 4 ? 'met' : 'MISSED'})`);
  console.log(`  ${eventRate.toFixed(0)} events/s; raw sequential PutItem ${rawRate.toFixed(0)}/s in the same run; ratio ${(eventRate / rawRate).toFixed(2)} (target >= 0.33: ${eventRate / rawRate >= 1 / 3 ? 'met' : 'MISSED'})`);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchEvents();
