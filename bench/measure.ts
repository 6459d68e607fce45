import { readFile } from 'node:fs/promises';
import { FakeAccount } from '../test/fakes/fake-account.js';
import { reconcileFromAws } from '../src/app/live.js';
import { DynamoDbLedger } from '../src/adapters/dynamodb-ledger.js';
import { startEmbeddedDynamoDb } from '../src/adapters/embedded-dynamodb.js';
import { planReport } from '../src/app/plan.js';
import { reconcileLedger } from '../src/app/reconcile.js';
import { defaultConfig } from '../src/config.js';
import { readSnapshotFile } from '../src/snapshot/read-snapshot.js';

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
} else if (what === 'load-ledger' || what === 'plan-ledger') {
  const engine = await startEmbeddedDynamoDb(ledgerDir);
  const ledger = new DynamoDbLedger(engine.client, engine.tableName);
  if (what === 'load-ledger') {
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
} else {
  throw new Error(`unknown measurement ${what}`);
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ what, seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024, ...detail })}\n`);
