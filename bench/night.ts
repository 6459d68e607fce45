import { readFile } from 'node:fs/promises';
import { AwsCaller } from '../src/adapters/aws/caller.js';
import { LiveSweepAws } from '../src/adapters/aws/sweep-aws.js';
import { DynamoDbLedger } from '../src/adapters/dynamodb-ledger.js';
import { startEmbeddedDynamoDb } from '../src/adapters/embedded-dynamodb.js';
import { reconcileFromAws } from '../src/app/live.js';
import { sweep } from '../src/app/sweep/sweep.js';
import { parseConfig } from '../src/config.js';
import { FakeAccount } from '../test/fakes/fake-account.js';
import { regionProber } from '../src/adapters/aws/region-probe.js';
import { recordRegionProbe } from '../src/app/usage/region-probe.js';

/**
 * One night's AWS API calls against the generated account served by the fake: the daily reconcile (the ledger
 * already holds yesterday's facts) and the sweep, with a policy under which 1% of the images may go
 * (keepLatest 96: about 1.6 of the 100 images of a repository). Beside it, a full rescan (ecrm's approach): every image and every
 * relevant task-definition revision read on every run, which is what a first reconcile reads, plus the same deletions.
 */
const [snapshotFile] = process.argv.slice(2);
const config = parseConfig({ repositories: [{ pattern: '*', keepLatest: 96, olderThanDays: 1, graceDays: 1, keepTags: [], keepPulledWithinDays: 0 }], sweep: { maxDeletionsPerRun: 5_000 } });
const account = FakeAccount.fromSnapshot(JSON.parse(await readFile(snapshotFile!, 'utf8')));
const engine = await startEmbeddedDynamoDb();
const ledger = new DynamoDbLedger(engine.client, engine.tableName);
const day = (n: number) => new Date(Date.parse('2026-11-10T06:00:00Z') + n * 86_400_000);
const started = performance.now();

const first = await reconcileFromAws({ ledger, reader: account.reader({ config, clock: () => day(0) }), clock: () => day(0) }, config);
const reconciled = await reconcileFromAws({ ledger, reader: account.reader({ config, clock: () => day(2) }), clock: () => day(2) }, config);
// The daily region probe (the reach of a deletion): the account's 16 other default regions, each running nothing.
account.enabledRegions = ['ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-southeast-1', 'ap-southeast-2', 'ca-central-1', 'eu-central-1', 'eu-north-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'sa-east-1', 'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2'];
const probeCaller = new AwsCaller({ sleep: async () => undefined });
await recordRegionProbe({ ledger, clock: () => day(2), probe: regionProber({ from: 'us-east-1', caller: probeCaller, now: () => day(2), scope: config.scope, clientsIn: (_a, region) => account.clientsIn(region), reconciled: () => ['us-east-1'] }) }, config, account.accountId);
const probe = Object.fromEntries(probeCaller.counts);
const nightly = { ...reconciled, calls: Object.fromEntries([...new Set([...Object.keys(reconciled.calls), ...Object.keys(probe)])].sort().map((k) => [k, (reconciled.calls[k] ?? 0) + (probe[k] ?? 0)])) };
const aws = new LiveSweepAws(account.clients(), new AwsCaller({ sleep: async () => undefined }), { accountId: '123456789012', region: 'us-east-1' }, config, () => day(2));
const report = await sweep({ store: ledger.sweep, events: ledger.events, aws, config, clock: () => day(2), index: ledger.usageIndex() }, { accountId: '123456789012', region: 'us-east-1' }, { dryRun: false, runId: 'bench' });
await engine.close();

const total = (calls: Readonly<Record<string, number>>) => Object.values(calls).reduce((a, b) => a + b, 0);
const deletes = report.calls['ecr:BatchDeleteImage'] ?? 0;
process.stdout.write(`${JSON.stringify({
  seconds: (performance.now() - started) / 1000, maxRssMiB: process.resourceUsage().maxRSS / 1024, deleted: report.totals.images,
  reconcile: nightly.calls, sweep: report.calls, probe,
  reach: { probe: total(probe), getCallerIdentity: report.calls['sts:GetCallerIdentity'] ?? 0, describeRegistry: (report.calls['ecr:DescribeRegistry'] ?? 0) + (reconciled.calls['ecr:DescribeRegistry'] ?? 0) }, rescan: { ...first.calls, 'ecr:BatchDeleteImage': deletes },
  totals: { reconcile: total(nightly.calls), sweep: total(report.calls), rescan: total(first.calls) + deletes },
})}\n`);
