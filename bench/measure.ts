import { readFile } from 'node:fs/promises';
import { FakeAccount } from '../test/fakes/fake-account.js';
import { reconcileFromAws } from '../src/app/live.js';
import { DynamoDbLedger } from '../src/adapters/dynamodb-ledger.js';
import { startEmbeddedDynamoDb } from '../src/adapters/embedded-dynamodb.js';
import { planReport } from '../src/app/plan.js';
import { reconcileLedger } from '../src/app/reconcile.js';
import { defaultConfig } from '../src/config.js';
import { readSnapshotFile } from '../src/snapshot/read-snapshot.js';
import type { DynamoDbUsageIndex } from '../src/adapters/dynamodb-usage-index.js';
import { createWhoUsesHttpHandler } from '../src/handlers/who-uses-http.js';
import { digest } from './generate-account.js';
import { DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { SWEEP_SHARDS, sweepShard } from '../src/adapters/ledger-items.js';
import { candidateReferrers } from '../src/app/candidate-referrers.js';

/** One measurement in its own process, so that peak memory (max RSS) belongs to it alone. Prints one JSON line. */
const [what, snapshot, ledgerDir] = process.argv.slice(2);
const config = defaultConfig();
const NOW = '2026-11-20T00:00:00Z';
const started = performance.now();
let detail: Record<string, unknown> = {};

if (what === 'plan-snapshot') {
  const facts = await readSnapshotFile(snapshot!);
  const report = planReport({ facts, history: new Map(), historySource: 'snapshot' }, config, NOW);
  detail = { images: report.totals.images, toDelete: report.totals.toDelete };
} else if (what === 'load-ledger' || what === 'load-ledger-conditional' || what === 'plan-ledger') {
  const engine = await startEmbeddedDynamoDb(ledgerDir);
  // As the CLI opens an embedded ledger (one process per directory: a first load in batches); `-conditional` as DynamoDB's.
  const ledger = new DynamoDbLedger(engine.client, engine.tableName, { exclusive: what !== 'load-ledger-conditional' });
  if (what !== 'plan-ledger') {
    const facts = await readSnapshotFile(snapshot!);
    detail = { ...(await reconcileLedger({ ledger, clock: () => new Date(NOW) }, { facts, config, source: 'bench' })) };
  } else {
    const [scope] = await ledger.scopes();
    const contents = await ledger.load(scope!);
    const report = planReport({ facts: contents.facts, history: contents.history, historySource: 'ledger' }, config, NOW);
    detail = { images: report.totals.images, toDelete: report.totals.toDelete };
  }
  await engine.close();
} else if (what === 'api-calls') {
  // First and second live reconcile of the generated account, served by the fake AWS account of the tests.
  const account = FakeAccount.fromSnapshot(JSON.parse(await readFile(snapshot!, 'utf8')));
  const engine = await startEmbeddedDynamoDb();
  const ledger = new DynamoDbLedger(engine.client, engine.tableName);
  const runs = [];
  for (const run of ['first', 'second']) {
    const t0 = performance.now();
    const result = await reconcileFromAws({ ledger, reader: account.reader({ clock: () => new Date(NOW) }), clock: () => new Date(NOW) }, config);
    runs.push({ run, seconds: (performance.now() - t0) / 1000, written: result.written, calls: result.calls });
  }
  detail = { runs };
  await engine.close();
} else if (what === 'who-uses') {
  // who-uses over a loaded ledger, through the HTTP handler (the index path), on images spread over the account.
  const engine = await startEmbeddedDynamoDb(ledgerDir);
  const ledger = new DynamoDbLedger(engine.client, engine.tableName);
  const repositories = Number(snapshot);
  const indexes: DynamoDbUsageIndex[] = [];
  const handler = createWhoUsesHttpHandler({
    index: () => { const index = ledger.usageIndex(); indexes.push(index); return index; },
    config, home: { accountId: '123456789012', region: 'us-east-1' }, clock: () => new Date(NOW), log: () => undefined,
  });
  const queries = [0, Math.floor(repositories / 3), Math.floor(repositories / 2), repositories - 1].flatMap((r) => [
    `team-${r % 20}/service-${r}:build-99`, `team-${r % 20}/service-${r}:build-85`, `team-${r % 20}/service-${r}@${digest(`${r}/90`)}`, `team-${r % 20}/service-${r}@${digest(`${r}/3`)}`,
  ]);
  const times: number[] = [];
  for (const image of queries) {
    const t0 = performance.now();
    const response = await handler({ rawPath: '/', queryStringParameters: { image }, requestContext: { http: { method: 'GET' } } }, {} as never);
    times.push(performance.now() - t0);
    if (response.statusCode !== 200) throw new Error(`who-uses ${image}: ${response.statusCode} ${response.body}`);
  }
  const requests = indexes.map((i) => i.counts.requests);
  const items = indexes.map((i) => i.counts.items);
  detail = {
    queries: queries.length, maxRequests: Math.max(...requests), meanRequests: requests.reduce((a, b) => a + b, 0) / requests.length,
    maxItems: Math.max(...items), meanMs: times.reduce((a, b) => a + b, 0) / times.length, maxMs: Math.max(...times),
  };
  await engine.close();
} else if (what === 'sweep-index') {
  // What the sweep reads — its index (all shards) and the references into its candidates' repositories — as a share of the table, and the largest index partition.
  const engine = await startEmbeddedDynamoDb(ledgerDir);
  const doc = DynamoDBDocumentClient.from(engine.client);
  const ledger = new DynamoDbLedger(engine.client, engine.tableName);
  const [scope] = await ledger.scopes();
  const count = async (input: { IndexName?: string; KeyConditionExpression?: string; ExpressionAttributeValues?: Record<string, unknown> }) => {
    let items = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = input.KeyConditionExpression
        ? await doc.send(new QueryCommand({ TableName: engine.tableName, ...input, KeyConditionExpression: input.KeyConditionExpression, Select: 'COUNT', ExclusiveStartKey: start }))
        : await doc.send(new ScanCommand({ TableName: engine.tableName, Select: 'COUNT', ExclusiveStartKey: start }));
      items += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  };
  const table = await count({});
  const shards: number[] = [];
  for (let shard = 0; shard < SWEEP_SHARDS; shard += 1) shards.push(await count({ IndexName: 'forSweep', KeyConditionExpression: 'g3pk = :k', ExpressionAttributeValues: { ':k': sweepShard(scope!, shard) } }));
  const swept = shards.reduce((a, b) => a + b, 0);
  const view = await ledger.sweep.sweepView(scope!);
  const f = view.facts;
  const index = ledger.usageIndex();
  const others = await candidateReferrers(index, scope!, f.images, NOW, { fromOtherScopes: true });
  detail = {
    tableItems: table, sweepIndexItems: swept, shards: SWEEP_SHARDS, largestPartition: Math.max(...shards),
    candidates: f.images.length, immutableUsageFacts: f.taskDefinitions.length + f.serviceRevisions.length + f.lambdaFunctions.length,
    referenceItems: index.counts.items, referenceRequests: index.counts.requests, otherScopes: others.scopes.length,
    sweepReads: swept + index.counts.items, shareOfTable: (swept + index.counts.items) / table,
  };
  await engine.close();
} else {
  throw new Error(`unknown measurement ${what}`);
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ what, seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024, ...detail })}\n`);
