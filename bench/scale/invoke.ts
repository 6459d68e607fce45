/**
 * `node --import tsx bench/scale/invoke.ts FUNCTION`: one invocation of a deployed function's handler (from the
 * sources), in this process alone, as Lambda runs it: its environment is this process's. Prints the handler's answer,
 * the wall time and this process's peak RSS.
 */
const modules: Record<string, string> = { reconcile: '../../src/handlers/reconcile.js', sweep: '../../src/handlers/sweep.js' };
const fn = process.argv[2]!;
const started = performance.now();
const module = (await import(modules[fn]!)) as { handler: (event: unknown, context: unknown) => Promise<unknown> };
if (process.argv.includes('--import-only')) {
  // The baseline: the runtime, tsx and the handler's modules, before any work.
  process.stdout.write(`${JSON.stringify({ result: 'imported', wallSeconds: (performance.now() - started) / 1000, peakRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
  process.exit(0);
}
const result = await module.handler({}, { getRemainingTimeInMillis: () => 900_000, functionName: `ecr-ledger-${fn}`, awsRequestId: `bench-${Date.now()}` });
process.stdout.write(`${JSON.stringify({ result, wallSeconds: (performance.now() - started) / 1000, peakRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
process.exit(0);
