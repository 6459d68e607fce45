import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { AwsCaller } from '../src/adapters/aws/caller.js';
import { LiveAccountReader } from '../src/adapters/aws/account-reader.js';
import { LiveSweepAws } from '../src/adapters/aws/sweep-aws.js';
import { DynamoDbLedger } from '../src/adapters/dynamodb-ledger.js';
import { startEmbeddedDynamoDb } from '../src/adapters/embedded-dynamodb.js';
import { reconcileOrganization, type ScopeOutcome } from '../src/app/organization.js';
import type { MemberUsage } from '../src/app/sweep/member-usage.js';
import { sweep } from '../src/app/sweep/sweep.js';
import { parseConfig } from '../src/config.js';
import type { Scope } from '../src/domain/facts.js';
import { FakeAccount } from '../test/fakes/fake-account.js';
import { regionProber } from '../src/adapters/aws/region-probe.js';
import { recordRegionProbes } from '../src/app/usage/region-probe.js';
import { FakeOrganisation } from '../test/fakes/fake-organisation.js';
import { generateAccount, LARGE } from './generate-account.js';

/**
 * `npm run bench -- --organisation [--small]`: a generated organisation — a central registry of 100k images in
 * 1,000 repositories (pulled by every member), 20 member accounts each with 1,000 task-definition revisions,
 * 25 services, 50 tasks and 5 image functions naming the registry's images — through the fake organisation (STS
 * AssumeRole). Per scope: API calls of the first and the daily reconcile and of the sweep's live check, and the
 * longest invocation at 10 requests/s per API per account. Targets: no invocation over 5 minutes; the daily work
 * grows with workloads and candidates, not with images.
 */
const small = process.argv.includes('--small');
const CENTRAL = '123456789012';
const REGION = 'us-east-1';
const MEMBERS = Array.from({ length: 20 }, (_, i) => String(200000000000 + i));
const registryShape = { ...LARGE, repositories: small ? 100 : 1_000, families: 0, services: 0, lambdaFunctions: 0 };
const memberShape = { ...registryShape, families: 50, revisionsPerFamily: 20, services: 25, lambdaFunctions: 5 };
const pull = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: MEMBERS.map((m) => `arn:aws:iam::${m}:root`) }, Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] }] });

const org = new FakeOrganisation();
const registry = generateAccount(registryShape) as { ecr: { repositories: Array<{ policyText?: string }> } };
for (const repo of registry.ecr.repositories) repo.policyText = pull;
org.add(FakeAccount.fromSnapshot(registry as never));
MEMBERS.forEach((member, m) => {
  // The member's usage names the central registry's images; it holds no repositories of its own.
  const text = JSON.stringify({ ...generateAccount(memberShape, { repositoryOffset: m * 50 }), ecr: { repositories: [] } })
    .replaceAll(`arn:aws:ecs:${REGION}:${CENTRAL}`, `arn:aws:ecs:${REGION}:${member}`).replaceAll(`arn:aws:lambda:${REGION}:${CENTRAL}`, `arn:aws:lambda:${REGION}:${member}`)
    .replace(`"accountId":"${CENTRAL}"`, `"accountId":"${member}"`);
  org.add(FakeAccount.fromSnapshot(JSON.parse(text)));
});

const config = parseConfig({
  repositories: [{ pattern: '*', keepLatest: 96, olderThanDays: 1, graceDays: 1, keepTags: [], keepPulledWithinDays: 0 }],
  sweep: { maxDeletionsPerRun: 5_000 }, organization: { accounts: MEMBERS.map((id) => ({ id, regions: [REGION] })) },
});
const engine = await startEmbeddedDynamoDb();
const ledger = new DynamoDbLedger(engine.client, engine.tableName);
const access = org.factory({ home: { accountId: CENTRAL, region: REGION }, roleName: 'ecr-ledger-reader' }).access;
const scopes: Scope[] = [CENTRAL, ...MEMBERS].map((accountId) => ({ accountId, region: REGION }));
const day = (n: number) => new Date(Date.parse('2026-11-10T06:00:00Z') + n * 86_400_000);
const reconcileAt = (n: number) => reconcileOrganization({
  ledger, clock: () => day(n), concurrency: 4,
  readerFor: async (scope) => new LiveAccountReader(await access.clients(scope), { scope: config.scope, clock: () => day(n), caller: new AwsCaller({ sleep: async () => undefined }) }),
}, config, scopes);

// Ledger items read (every Query, Scan, GetItem and BatchGetItem response): by the daily reconcile, and by the sweep.
const ledgerReads = { requests: 0, items: 0 };
engine.client.middlewareStack.add((next, context) => async (args) => {
  const result = await next(args);
  if (!['QueryCommand', 'ScanCommand', 'GetItemCommand', 'BatchGetItemCommand'].includes(String(context.commandName))) return result;
  // ScannedCount: what the engine read (a filtered Scan reads the whole table and returns a few).
  const out = (result.output ?? {}) as { Count?: number; ScannedCount?: number; Item?: unknown; Responses?: Record<string, unknown[]> };
  ledgerReads.requests += 1;
  ledgerReads.items += out.ScannedCount ?? out.Count ?? (out.Item ? 1 : 0) + Object.values(out.Responses ?? {}).reduce((n, list) => n + list.length, 0);
  return result;
}, { step: 'initialize', name: 'countReads' });
const t0 = performance.now();
const first = await reconcileAt(0);
const t1 = performance.now();
Object.assign(ledgerReads, { requests: 0, items: 0 });
const daily = await reconcileAt(2);
const dailyReads = { ...ledgerReads };
// The daily region probe of every account: its other enabled regions (16 of a commercial account's 17 defaults), each
// running nothing (a region with workloads the ledger does not hold would keep every repository whole).
const ENABLED = ['ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-southeast-1', 'ap-southeast-2', 'ca-central-1', 'eu-central-1', 'eu-north-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'sa-east-1', 'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2'];
for (const account of org.accounts.values()) account.enabledRegions = ENABLED;
const probeCaller = new AwsCaller({ sleep: async () => undefined });
const probeWarnings = await recordRegionProbes({
  ledger, clock: () => day(2),
  probe: regionProber({ from: REGION, caller: probeCaller, now: () => day(2), scope: config.scope, clientsIn: (accountId, region) => access.clients({ accountId, region }), reconciled: () => [REGION] }),
}, config, scopes.map((s) => s.accountId));
const t2 = performance.now();
const memberCalls = new Map<string, Record<string, number>>();
const members: MemberUsage = {
  scopes: async () => scopes.slice(1),
  organizationId: async () => config.organization?.id,
  readUsage: async (scope, known) => {
    const caller = new AwsCaller({ sleep: async () => undefined });
    const read = await new LiveSweepAws(await access.clients(scope), caller, scope, config, () => day(2)).readUsage(known);
    memberCalls.set(scope.accountId, Object.fromEntries(caller.counts));
    return read;
  },
};
const central = scopes[0]!;
const aws = new LiveSweepAws(await access.clients(central), new AwsCaller({ sleep: async () => undefined }), central, config, () => day(2));
Object.assign(ledgerReads, { requests: 0, items: 0 });
const report = await sweep({ store: ledger.sweep, events: ledger.events, aws, config, clock: () => day(2), members, index: ledger.usageIndex() }, central, { dryRun: false, runId: 'bench' });
const t3 = performance.now();
const sweptReads = { ...ledgerReads };
let tableItems = 0;
for (let start: Record<string, unknown> | undefined, first = true; first || start; first = false) {
  const page = await DynamoDBDocumentClient.from(engine.client).send(new ScanCommand({ TableName: engine.tableName, Select: 'COUNT', ExclusiveStartKey: start }));
  tableItems += page.Count ?? 0;
  start = page.LastEvaluatedKey;
}
await engine.close();

const total = (calls: Readonly<Record<string, number>>) => Object.values(calls).reduce((a, b) => a + b, 0);
const atTenPerSecond = (calls: Readonly<Record<string, number>>) => Math.max(0, ...Object.values(calls)) / 10;
const calls = (o: ScopeOutcome) => o.result?.calls ?? {};
console.log(`organisation: central registry ${registryShape.repositories * registryShape.imagesPerRepository} images in ${registryShape.repositories} repositories; ` +
  `${MEMBERS.length} members x ${memberShape.families * memberShape.revisionsPerFamily} revisions, ${memberShape.services} services, ${memberShape.services * 2} tasks, ${memberShape.lambdaFunctions} image functions`);
console.log('\nscope                       first calls  daily calls  daily s @10/s/API  sweep live-check calls');
for (const [i, scope] of scopes.entries()) {
  const f = calls(first[i]!);
  const d = calls(daily[i]!);
  const s = i === 0 ? report.calls : memberCalls.get(scope.accountId) ?? {};
  console.log(`  ${`${scope.accountId}/${scope.region}`.padEnd(26)} ${String(total(f)).padStart(11)} ${String(total(d)).padStart(12)} ${atTenPerSecond(d).toFixed(0).padStart(18)} ${String(total(s)).padStart(23)}`);
}
const memberTotals = [...memberCalls.values()];
// The live check reads members 4 at a time (each against its own account's rate limits): waves of 4, each as long as its slowest.
const memberSeconds = memberTotals.map(atTenPerSecond).sort((a, b) => b - a);
const sweepSeconds = atTenPerSecond(report.calls) + memberSeconds.filter((_, i) => i % 4 === 0).reduce((n, t) => n + t, 0);
const longestReconcile = Math.max(...first.map((o) => atTenPerSecond(calls(o))));
const longestDaily = Math.max(...daily.map((o) => atTenPerSecond(calls(o))));
console.log(`invocations: reconcile = 1 fan-out + ${scopes.length} scope workers (first and daily); sweep = 1 (deleted ${report.totals.images}, members read ${memberCalls.size}, unreadable ${report.unreadableAccounts.length})`);
console.log(`longest invocation at 10 requests/s per API per account: first reconcile ${longestReconcile.toFixed(0)} s, daily ${longestDaily.toFixed(0)} s, sweep ${sweepSeconds.toFixed(0)} s ` +
  `(members read 4 at a time; target <= 300 s each: ${Math.max(longestReconcile, longestDaily, sweepSeconds) <= 300 ? 'met' : 'MISSED'})`);
const probeCalls = Object.fromEntries([...probeCaller.counts].sort());
const perAccount = total(probeCalls) / scopes.length;
console.log(`calls the reach adds per night: region probe ${total(probeCalls)} (${perAccount.toFixed(0)} per account, ${ENABLED.length - 1} regions each: ${Object.entries(probeCalls).map(([k, v]) => `${k} ${v}`).join(', ')}), ` +
  `at 10 requests/s per API ${(Math.max(...Object.values(probeCalls)) / scopes.length / 10).toFixed(1)} s per account; sweep ${report.calls['sts:GetCallerIdentity'] ?? 0} sts:GetCallerIdentity and ${report.calls['ecr:DescribeRegistry'] ?? 0} ecr:DescribeRegistry; ` +
  `daily reconcile ${daily.reduce((n, o) => n + (calls(o)['ecr:DescribeRegistry'] ?? 0), 0)} ecr:DescribeRegistry (one per scope); probe warnings: ${probeWarnings.length} (${probeWarnings[0] ?? 'none'})`);
console.log(`the daily reconcile of the ${scopes.length} scopes read ${dailyReads.items} ledger items in ${dailyReads.requests} requests: ${(dailyReads.items / tableItems).toFixed(2)}x the table of ${tableItems} (each scope's items by Query of the scope index, which the live read reuses, and the tags of uses of other registries that ended; target <= 3x for an organisation: ${dailyReads.items <= 3 * tableItems ? 'met' : 'MISSED'})`);
const memberDaily = daily.slice(1).map((o) => total(calls(o)));
console.log(`daily reconcile: central ${total(calls(daily[0]!))} calls for ${registryShape.repositories} repositories; members ${Math.min(...memberDaily)}-${Math.max(...memberDaily)} calls each (workloads only; the registry's size does not enter)`);
console.log(`the sweep read ${sweptReads.items} of ${tableItems} ledger items (${(100 * sweptReads.items / tableItems).toFixed(1)}% of the table) in ${sweptReads.requests} requests: ` +
  'its index, the members\' references into its candidates\' repositories with their context, and each member\'s sweep index (the immutable facts its live read reuses)');
console.log(`wall time against the in-process fakes: first ${((t1 - t0) / 1000).toFixed(0)} s, daily ${((t2 - t1) / 1000).toFixed(0)} s, sweep ${((t3 - t2) / 1000).toFixed(0)} s; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
