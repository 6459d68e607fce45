/**
 * Runs `work` over `items`, at most `limit` at a time. After a failure no new work starts, and the first error is
 * thrown only once the work in flight has settled: a caller that then closes its client (or the embedded engine)
 * sees the real error, not one from requests still running into the shutdown.
 */
export async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: { error: unknown } | undefined;
  const worker = async () => {
    while (!failed && next < items.length) {
      try {
        await work(items[next++]!);
      } catch (error) {
        failed ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed) throw failed.error;
}

/** `work` over `items`, at most `limit` at a time, the results in the order of `items` (whatever order they finish in). */
export async function mapInParallel<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  await inParallel(items.map((item, i) => ({ item, i })), limit, async ({ item, i }) => { results[i] = await work(item); });
  return results;
}
