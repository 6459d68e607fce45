import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchEvents } from './events.js';
import { generateAccount, LARGE } from './generate-account.js';

/**
 * `npm run bench`: the core benchmarks of the generated account (100k images in 1,000 repositories,
 * 20k task-definition revisions, 500 services). Targets: plan --snapshot under 10 s and under 1 GiB.
 */
if (process.argv.includes('--events')) {
  await benchEvents();
  process.exit(0);
}
if (process.argv.includes('--simulate')) {
  await (await import('./simulate.js')).benchSimulation();
  process.exit(0);
}
if (process.argv.includes('--scale')) {
  await import('./scale.js');
  process.exit(0);
}
if (process.argv.includes('--organisation')) {
  await import('./organisation.js');
  process.exit(0);
}
// Start-up: the bundled CLI (bin/ecr-ledger → dist/) beside the TypeScript sources run through tsx (the old launcher).
const startup = (command: string, args: string[]) => {
  const times = Array.from({ length: 5 }, () => {
    const t0 = performance.now();
    execFileSync(command, args, { env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }, stdio: 'ignore' });
    return (performance.now() - t0) / 1000;
  }).sort((a, b) => a - b);
  return times[2]!;
};
execFileSync('npm', ['run', 'build', '--silent']);
const bundled = { help: startup('./bin/ecr-ledger', ['--help']), version: startup('./bin/ecr-ledger', ['--version']) };
const throughTsx = startup(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--help']);
console.log(`start-up (median of 5): --help ${bundled.help.toFixed(2)} s, --version ${bundled.version.toFixed(2)} s bundled; --help through tsx ${throughTsx.toFixed(2)} s ` +
  `(ratio ${(throughTsx / bundled.help).toFixed(1)}x; target < 0.5 s: ${Math.max(bundled.help, bundled.version) < 0.5 ? 'met' : 'MISSED'})`);

/** What the sweep reads of the ledger (bench/measure.ts sweep-index). */
function printSweepReads(measured: Record<string, unknown>): void {
  const m = measured as { tableItems: number; sweepIndexItems: number; candidates: number; immutableUsageFacts: number; referenceItems: number; referenceRequests: number; sweepReads: number; shareOfTable: number; shards: number; largestPartition: number };
  const pct = (n: number) => `${(100 * n / m.tableItems).toFixed(1)}%`;
  console.log(`sweep reads ${m.sweepReads} of ${m.tableItems} items (${pct(m.sweepReads)} of the table): its index ${m.sweepIndexItems} (${m.candidates} candidate images, ` +
    `${m.immutableUsageFacts} immutable usage facts the live check reuses, the rest repositories, pins, reports) + ${m.referenceItems} references and tags of the candidates' repositories ` +
    `(${m.referenceRequests} requests); index in ${m.shards} shards, largest partition ${m.largestPartition} items (${pct(m.largestPartition)} of the table)`);
}

// Lambda bundle sizes: `osls package` (offline) writes one zip per function.
execFileSync('npm', ['run', 'package', '--silent'], { stdio: 'ignore' });
const zips = (await readdir('.serverless')).filter((f) => f.endsWith('.zip')).sort();
const sizes = await Promise.all(zips.map(async (f) => [f.replace(/\.zip$/, ''), (await stat(join('.serverless', f))).size] as const));
console.log(`bundles (zipped): ${sizes.map(([name, bytes]) => `${name} ${(bytes / 2 ** 20).toFixed(2)} MiB`).join(', ')} ` +
  `(target < 1 MiB each: ${sizes.filter(([, bytes]) => bytes >= 2 ** 20).length} over)`);
if (process.argv.includes('--bundles')) process.exit(0);
await (await import('./simulate.js')).benchSimulation();

const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-bench-'));
const snapshot = join(dir, 'account.json');
const ledger = join(dir, 'ledger');
const shape = process.argv.includes('--small') ? { ...LARGE, repositories: 100, families: 100 } : LARGE;

const t0 = performance.now();
await writeFile(snapshot, JSON.stringify(generateAccount(shape)));
console.log(`generated ${shape.repositories * shape.imagesPerRepository} images, ${shape.families * shape.revisionsPerFamily} task-definition revisions, ${shape.services} services ` +
  `(${((await stat(snapshot)).size / 2 ** 20).toFixed(0)} MiB snapshot) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

// `npm run bench -- --sweep [--small]`: only what the sweep reads of a loaded ledger.
if (process.argv.includes('--sweep')) {
  measure('load-ledger');
  printSweepReads(measure('sweep-index'));
  await rm(dir, { recursive: true, force: true });
  process.exit(0);
}

function measure(what: string, file = snapshot, dirOfLedger = ledger): { seconds: number; maxRssMiB: number } & Record<string, unknown> {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/measure.ts', what, file, dirOfLedger], {
    encoding: 'utf8', env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }, maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

const rows: Array<[string, ReturnType<typeof measure>, number | undefined]> = [];
rows.push(['plan --snapshot', measure('plan-snapshot'), 10]);
rows.push(['load into the embedded ledger (reconcile)', measure('load-ledger'), undefined]);
rows.push(['reconcile again, unchanged', measure('load-ledger'), undefined]);
rows.push(['plan over the embedded ledger', measure('plan-ledger'), undefined]);

console.log('\nmeasurement                                   wall s   peak RSS MiB   detail');
for (const [name, m, target] of rows) {
  const { what: _w, seconds, maxRssMiB, ...detail } = m;
  const verdict = target === undefined ? '' : `  (target < ${target} s and < 1024 MiB: ${seconds < target && maxRssMiB < 1024 ? 'met' : 'MISSED'})`;
  console.log(`${name.padEnd(44)} ${seconds.toFixed(2).padStart(7)}   ${maxRssMiB.toFixed(0).padStart(12)}   ${JSON.stringify(detail)}${verdict}`);
}
const snap = rows[0]![1].seconds;
const loaded = rows[1]![1] as { written?: number; seconds: number };
console.log(`first load: ${loaded.written} items in batches of 25 (BatchWriteItem: the embedded ledger, one process per directory); a later reconcile writes 1 conditional PutItem per changed item (an unchanged one writes none)`);

// who-uses through the index (the function URL's handler) at 10k and 100k images: requests and items must not grow with the account.
const small = { ...shape, repositories: shape.repositories / 10, families: shape.families / 10, services: shape.services / 10, lambdaFunctions: shape.lambdaFunctions / 10 };
const smallSnapshot = join(dir, 'account-10k.json');
const smallLedger = join(dir, 'ledger-10k');
await writeFile(smallSnapshot, JSON.stringify(generateAccount(small)));
const batched = measure('load-ledger', smallSnapshot, smallLedger);
// The conditional path (DynamoDB's, one request per item) at the smaller size, beside the batched first load.
const conditional = measure('load-ledger-conditional', smallSnapshot, join(dir, 'ledger-10k-conditional'));
console.log(`\nfirst load of ${small.repositories * small.imagesPerRepository} images: in batches ${batched.seconds.toFixed(1)} s, one conditional request per item ${conditional.seconds.toFixed(1)} s ` +
  `(ratio ${(conditional.seconds / batched.seconds).toFixed(1)}x; peak RSS ${batched.maxRssMiB.toFixed(0)} / ${conditional.maxRssMiB.toFixed(0)} MiB)`);
const whoUses = [[`${small.repositories * small.imagesPerRepository} images`, measure('who-uses', String(small.repositories), smallLedger)], [`${shape.repositories * shape.imagesPerRepository} images`, measure('who-uses', String(shape.repositories), ledger)]] as const;
console.log('\nwho-uses from the index (HTTP handler)   queries  max requests  mean requests  max items  mean ms  max ms  peak RSS MiB');
for (const [name, m] of whoUses) {
  const d = m as unknown as { queries: number; maxRequests: number; meanRequests: number; maxItems: number; meanMs: number; maxMs: number; maxRssMiB: number };
  console.log(`  ${name.padEnd(38)} ${String(d.queries).padStart(7)} ${String(d.maxRequests).padStart(13)} ${d.meanRequests.toFixed(1).padStart(14)} ${String(d.maxItems).padStart(10)} ${d.meanMs.toFixed(0).padStart(8)} ${d.maxMs.toFixed(0).padStart(7)} ${d.maxRssMiB.toFixed(0).padStart(13)}`);
}
printSweepReads(measure('sweep-index', snapshot, ledger));
const [w10, w100] = whoUses.map(([, m]) => m as unknown as { maxRequests: number; maxItems: number; maxRssMiB: number });
console.log(`targets: <= 10 requests and <= 1,000 items per who-uses (${w100!.maxRequests <= 10 && w100!.maxItems <= 1000 ? 'met' : 'MISSED'}); the same at 10k and 100k images: ` +
  `requests ${w10!.maxRequests} vs ${w100!.maxRequests}, items ${w10!.maxItems} vs ${w100!.maxItems} (${Math.abs(w100!.maxRequests - w10!.maxRequests) <= 0.1 * w10!.maxRequests + 0.5 ? 'met' : 'MISSED'}); ` +
  `peak RSS ${w100!.maxRssMiB.toFixed(0)} MiB with the embedded engine in the same process (target for the handler < 256 MiB)`);
console.log(`\nratios: ledger load / plan --snapshot = ${(rows[1]![1].seconds / snap).toFixed(1)}x; plan over ledger / plan --snapshot = ${(rows[3]![1].seconds / snap).toFixed(1)}x; second reconcile / first = ${(rows[2]![1].seconds / rows[1]![1].seconds).toFixed(2)}x`);

// API calls of a first and a second live reconcile (fake AWS account built from the generated snapshot).
const api = measure('api-calls') as unknown as { seconds: number; maxRssMiB: number; runs: Array<{ run: string; seconds: number; written: number; calls: Record<string, number> }> };
const [first, second] = api.runs as [typeof api.runs[0], typeof api.runs[0]];
const total = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);
console.log('\nAPI calls per live reconcile                first     second');
for (const name of Object.keys({ ...first.calls, ...second.calls }).sort()) {
  console.log(`  ${name.padEnd(40)} ${String(first.calls[name] ?? 0).padStart(7)}  ${String(second.calls[name] ?? 0).padStart(9)}`);
}
const [t1, t2] = [total(first.calls), total(second.calls)];
const at10 = (calls: Record<string, number>) => ({ serial: total(calls) / 10, perApi: Math.max(...Object.values(calls)) / 10 });
console.log(`  ${'TOTAL'.padEnd(40)} ${String(t1).padStart(7)}  ${String(t2).padStart(9)}`);
console.log(`ratio first / second = ${(t1 / t2).toFixed(1)}x (target >= 5x: ${t1 / t2 >= 5 ? 'met' : 'MISSED'})`);
console.log(`second reconcile at 10 requests/s per API: ${at10(second.calls).perApi.toFixed(0)} s with APIs in parallel, ${at10(second.calls).serial.toFixed(0)} s if every call were serial ` +
  `(target <= 900 s, one 15-minute invocation: ${at10(second.calls).serial <= 900 ? 'met' : 'MISSED'}); first reconcile: ${at10(first.calls).perApi.toFixed(0)} s / ${at10(first.calls).serial.toFixed(0)} s`);
console.log(`(against the in-process fake: first ${first.seconds.toFixed(1)} s, ${first.written} items written; second ${second.seconds.toFixed(1)} s, ${second.written} written; peak RSS ${api.maxRssMiB.toFixed(0)} MiB)`);


// One night (the daily reconcile plus the sweep) beside a full rescan of the account (ecrm's approach).
const night = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', 'bench/night.ts', snapshot], {
  encoding: 'utf8', env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }, maxBuffer: 1 << 22,
}).trim().split('\n').pop()!) as { deleted: number; seconds: number; maxRssMiB: number; totals: { reconcile: number; sweep: number; rescan: number }; reconcile: Record<string, number>; sweep: Record<string, number>; reach: { probe: number; getCallerIdentity: number; describeRegistry: number } };
const nightTotal = night.totals.reconcile + night.totals.sweep;
const perApi = (calls: Record<string, number>) => Math.max(...Object.values(calls)) / 10;
console.log(`\none night: reconcile ${night.totals.reconcile} + sweep ${night.totals.sweep} (deleted ${night.deleted}) = ${nightTotal} API calls; full rescan ${night.totals.rescan}; ` +
  `ratio ${(night.totals.rescan / nightTotal).toFixed(1)}x (target >= 10x: ${night.totals.rescan / nightTotal >= 10 ? 'met' : 'MISSED'})`);
console.log(`the reach of a deletion adds per night: ${night.reach.probe} region-probe calls (16 other regions), ${night.reach.getCallerIdentity} sts:GetCallerIdentity, ` +
  `${night.reach.describeRegistry} ecr:DescribeRegistry (reconcile and sweep) — included in the reconcile's and the sweep's figures above`);
console.log(`at 10 requests/s per API: reconcile ${perApi(night.reconcile).toFixed(0)} s (APIs in parallel) / ${(night.totals.reconcile / 10).toFixed(0)} s (serial); ` +
  `sweep ${perApi(night.sweep).toFixed(0)} s / ${(night.totals.sweep / 10).toFixed(0)} s (target <= 900 s each: ${night.totals.reconcile / 10 <= 900 && night.totals.sweep / 10 <= 900 ? 'met' : 'MISSED'})`);

await benchEvents();
await rm(dir, { recursive: true, force: true });
