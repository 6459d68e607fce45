import { readFile } from 'node:fs/promises';
import { formatPath } from '../config.js';
import type { AccountFacts } from '../domain/facts.js';
import { SnapshotError } from '../errors.js';
import { snapshotSchema, type Snapshot } from './schema.js';
import { snapshotToFacts } from './to-facts.js';

/** Validates a parsed snapshot document; errors name the path of each bad field. */
export function parseSnapshot(raw: unknown, where = 'snapshot'): Snapshot {
  const result = snapshotSchema.safeParse(raw, { reportInput: true });
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 5).map((issue) => {
    const message = issue.code === 'invalid_type' ? `expected ${issue.expected}, got ${describe(issue.input)}` : issue.message;
    return `${formatPath(issue.path) || '(top level)'}: ${message}`;
  });
  const more = result.error.issues.length > 5 ? ` (and ${result.error.issues.length - 5} more)` : '';
  throw new SnapshotError(`${where}: ${problems.join('; ')}${more}`);
}

function describe(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (input === null) return 'null';
  return Array.isArray(input) ? 'array' : typeof input;
}

/** Reads an account snapshot file into facts. */
export async function readSnapshotFile(file: string): Promise<AccountFacts> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EISDIR') {
      throw new SnapshotError(`${file} is a directory: give one snapshot file (a directory of snapshots, as snapshot --organization writes, is loaded with reconcile --snapshot DIR)`, { cause });
    }
    throw new SnapshotError(`${file}: cannot read the snapshot (${(cause as Error).message})`, { cause });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new SnapshotError(`${file}: not valid JSON (${(cause as Error).message})`, { cause });
  }
  const snapshot = parseSnapshot(raw, file);
  try {
    return snapshotToFacts(snapshot);
  } catch (error) {
    if (error instanceof SnapshotError) throw new SnapshotError(`${file}: ${error.message}`, { cause: error });
    throw error;
  }
}
