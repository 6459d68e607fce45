import { existsSync } from 'node:fs';
import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { LedgerStoreError, NotFoundError, RefusedError } from '../errors.js';

/**
 * One embedded ledger directory, one process. LevelDB's own lock (released by the OS when its holder dies) decides;
 * a pid file beside it only says who holds it. The engine (dynalite) crashes its process when it cannot take the
 * lock, so the lock is tested before the engine starts.
 */

const PID_FILE = 'ecr-ledger.pid';
/** Directories this process holds: LevelDB refuses a second open in one process as well. */
const claimed = new Set<string>();

/** A directory holds a ledger when LevelDB has written its CURRENT file there. */
export const holdsLedger = (dir: string) => existsSync(join(dir, 'CURRENT'));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function holderPid(dir: string): Promise<number | undefined> {
  const text = await readFile(join(dir, PID_FILE), 'utf8').catch(() => '');
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid) ? pid : undefined;
}

function inUse(dir: string, pid: number | undefined): RefusedError {
  return new RefusedError(`the ledger in ${dir} is in use by another ecr-ledger process${pid === undefined ? '' : ` (pid ${pid})`}`);
}

/** True when another process holds LevelDB's lock on `dir`. */
async function levelLocked(dir: string): Promise<boolean> {
  const db = new ClassicLevel(dir);
  try {
    await db.open({ createIfMissing: false });
    await db.close();
    return false;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    if (cause?.code === 'LEVEL_LOCKED') return true;
    throw new LedgerStoreError(`cannot open the embedded ledger in ${dir}: ${(error as Error).message}${cause ? ` (${(cause as Error).message})` : ''}`, { cause: error });
  }
}

/** Writes our pid unless a live process's pid is there; a dead holder's file is taken over. */
async function writePidFile(dir: string): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await writeFile(join(dir, PID_FILE), String(process.pid), { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || (await holderPid(dir)) !== undefined) return false;
      await unlink(join(dir, PID_FILE)).catch(() => undefined);
    }
  }
  return false;
}

/**
 * Claims `dir` for this process before the engine opens it: refuses (exit 4) when another process holds it,
 * and, unless `create`, when the directory holds no ledger (exit 3) — read-only commands never make one.
 * Returns the release to call when the engine has closed.
 */
export async function claimLedgerDirectory(dir: string, options: { create: boolean }): Promise<() => Promise<void>> {
  if (claimed.has(resolve(dir))) throw inUse(dir, process.pid);
  const existing = holdsLedger(dir);
  if (!existing && !options.create) throw new NotFoundError(`no ledger in ${dir} (run \`ecr-ledger reconcile --ledger ${dir}\` first)`);
  await mkdir(dir, { recursive: true });
  if (!(await writePidFile(dir))) throw inUse(dir, await holderPid(dir));
  const pidFile = join(dir, PID_FILE);
  claimed.add(resolve(dir));
  const release = async () => {
    claimed.delete(resolve(dir));
    const text = await readFile(pidFile, 'utf8').catch(() => '');
    if (text === String(process.pid)) await unlink(pidFile).catch(() => undefined);
  };
  try {
    if (existing && (await levelLocked(dir))) throw inUse(dir, undefined);
  } catch (error) {
    await release();
    throw error;
  }
  return release;
}
