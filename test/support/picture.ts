import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * An account snapshot as a reconcile at `at` would have read it (a copy of `file` captured then): a scope is as fresh
 * as its picture, so a test that stands a snapshot in for a nightly read loads it captured at the night's time.
 */
export async function pictureAt(file: string, at: string): Promise<string> {
  const copy = join(await mkdtemp(join(tmpdir(), 'ecr-ledger-picture-')), 'account.json');
  await writeFile(copy, JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')), capturedAt: new Date(at).toISOString() }));
  return copy;
}
