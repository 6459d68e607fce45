import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateAccount, LARGE } from './generate-account.js';

/**
 * `npm run bench -- --scale [--images N[,N…]]`: the deployed daily reconcile as Lambda runs it — its handler alone in a
 * process, its environment as the stack gives it — against the generated account served over HTTP from another
 * process (test/fakes/http-cloud.ts) and the ledger table in a third (the embedded engine behind a counting proxy).
 * Prints, per size, the first and the daily reconcile's peak RSS against the function's memorySize, MiB per 10k
 * images, AWS calls, ledger requests and items read (as a fraction of the table), and wall time.
 * Not yet: the sweep and the other functions, the organisation's 30 scopes, the packaged bundles (issue 32).
 */
const MEMORY_SIZE_MIB = Number(/\n {2}reconcile:[\s\S]*?memorySize: (\d+)/.exec(await readFile('serverless.yml', 'utf8'))?.[1] ?? 0);
const sizes = (process.argv[process.argv.indexOf('--images') + 1] && process.argv.includes('--images') ? process.argv[process.argv.indexOf('--images') + 1]! : '10000').split(',').map(Number);

/** Starts `script` in a process of its own and waits for the JSON line it prints first. */
async function serve(script: string, args: string[] = []): Promise<{ child: ChildProcess; info: { endpoint: string; tableName?: string } }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before it served`)));
  });
  return { child, info: JSON.parse(line) as { endpoint: string; tableName?: string } };
}

/** One invocation of a function's handler in a process of its own. */
async function invoke(fn: string, env: Record<string, string>, importOnly = false): Promise<{ result: unknown; wallSeconds: number; peakRssMiB: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/scale/invoke.ts', fn, ...(importOnly ? ['--import-only'] : [])], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const last = out.trim().split('\n').at(-1) ?? '';
  if (code !== 0 || !last.startsWith('{"result"')) throw new Error(`${fn} failed (${code}): ${err.slice(-2000)}${out.slice(-2000)}`);
  return JSON.parse(last) as { result: unknown; wallSeconds: number; peakRssMiB: number };
}

const fetchJson = async (url: string) => (await fetch(url)).json() as Promise<Record<string, unknown>>;

const rows: Array<{ images: number; first: number; daily: number }> = [];
for (const images of sizes) {
  const repositories = Math.max(1, Math.round(images / LARGE.imagesPerRepository));
  const shape = { ...LARGE, repositories, families: repositories, services: Math.max(1, Math.round(repositories / 2)) };
  const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-scale-'));
  const snapshot = join(dir, 'account.json');
  const account = generateAccount(shape);
  await writeFile(snapshot, JSON.stringify(account));
  const cloud = await serve('bench/scale/cloud.ts', [snapshot]);
  const ledger = await serve('bench/scale/ledger.ts');
  try {
    const env = {
      AWS_ENDPOINT_URL: cloud.info.endpoint, AWS_ENDPOINT_URL_DYNAMODB: ledger.info.endpoint, AWS_REGION: account.region, HOME_ACCOUNT_ID: account.accountId,
      AWS_ACCESS_KEY_ID: 'AKIDRECONCILE', AWS_SECRET_ACCESS_KEY: 'bench', LEDGER_TABLE: ledger.info.tableName!, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const run = async (label: string) => {
      const answer = await invoke('reconcile', env);
      const calls = await fetchJson(`${cloud.info.endpoint}/__calls?reset`);
      const reads = await fetchJson(`${ledger.info.endpoint}/__counts?reset`) as { requests: Record<string, number>; itemsRead: number; tableItems: number };
      const requests = Object.values(reads.requests).reduce((a, b) => a + b, 0);
      console.log(`scale ${images.toLocaleString('en')} images, ${label} reconcile: peak RSS ${answer.peakRssMiB.toFixed(0)} MiB of memorySize ${MEMORY_SIZE_MIB} (${(100 * answer.peakRssMiB / MEMORY_SIZE_MIB).toFixed(0)}%), ` +
        `${answer.wallSeconds.toFixed(1)} s, ${String(calls.calls)} AWS calls, ${requests} ledger requests, ${reads.itemsRead} items read (${(reads.itemsRead / Math.max(1, reads.tableItems)).toFixed(2)}x the table of ${reads.tableItems})`);
      return answer.peakRssMiB;
    };
    if (rows.length === 0) {
      const baseline = await invoke('reconcile', env, true);
      console.log(`scale: a process that only loads the reconcile handler (Node, tsx, the modules) peaks at ${baseline.peakRssMiB.toFixed(0)} MiB`);
    }
    rows.push({ images, first: await run('first'), daily: await run('daily') });
  } finally {
    cloud.child.kill();
    ledger.child.kill();
    await rm(dir, { recursive: true, force: true });
  }
}
if (rows.length > 1) {
  const [a, b] = [rows[0]!, rows.at(-1)!];
  const per10k = (key: 'first' | 'daily') => ((b[key] - a[key]) / ((b.images - a.images) / 10_000)).toFixed(0);
  console.log(`scale: growth per 10k images ${per10k('first')} MiB (first reconcile), ${per10k('daily')} MiB (daily; target <= 35 MiB)`);
}
