import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedDynamoDb } from '../../src/adapters/embedded-dynamodb.js';
import { runCli } from '../../src/cli/main.js';
import { NotFoundError, RefusedError } from '../../src/errors.js';

const EXAMPLE = 'examples/account.json';
let holder: ChildProcess | undefined;
afterEach(async () => {
  if (!holder) return;
  const exited = new Promise((resolve) => holder!.once('exit', resolve));
  holder.stdin?.end();
  await exited;
  holder = undefined;
});

/** Another process holding the ledger in `dir` (the embedded ledger, or LevelDB alone with `raw`). */
async function holdInAnotherProcess(dir: string, raw = false): Promise<number> {
  holder = spawn(process.execPath, ['--import', 'tsx', 'test/support/hold-ledger.ts', dir, ...(raw ? ['--raw'] : [])], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    holder!.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('open') && resolve());
    holder!.once('exit', (code) => reject(new Error(`the holder exited with ${code}`)));
  });
  return holder.pid!;
}

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), clock: () => new Date('2026-11-21T00:00:00Z') });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function reconciledLedger(): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'ecr-ledger-lock-')), 'ledger');
  expect((await cli('reconcile', '--snapshot', EXAMPLE, '--ledger', dir)).code).toBe(0);
  return dir;
}

describe('one embedded ledger, one process', () => {
  it('a second process gets one line naming the holder and exit 4, never a stack trace', async () => {
    const dir = await reconciledLedger();
    const pid = await holdInAnotherProcess(dir);
    for (const argv of [['plan', '--ledger', dir], ['reconcile', '--snapshot', EXAMPLE, '--ledger', dir], ['sweep', '--ledger', dir]]) {
      const result = await cli(...argv);
      expect(result.code, argv[0]).toBe(4);
      expect(result.err).toBe(`ecr-ledger: the ledger in ${dir} is in use by another ecr-ledger process (pid ${pid})`);
    }
  });

  it('refuses a directory LevelDB holds even when no pid file says who', async () => {
    const dir = await reconciledLedger();
    await holdInAnotherProcess(dir, true);
    const error = await startEmbeddedDynamoDb(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RefusedError);
    expect((error as Error).message).toBe(`the ledger in ${dir} is in use by another ecr-ledger process`);
  });

  it('opens again once the holder has gone, and takes over the pid file a dead process left', async () => {
    const dir = await reconciledLedger();
    await writeFile(join(dir, 'ecr-ledger.pid'), '999999'); // no such process
    const result = await cli('plan', '--ledger', dir, '--output', 'json');
    expect(result.code).toBe(0);
    expect(existsSync(join(dir, 'ecr-ledger.pid'))).toBe(false);
  });

  it('read-only commands never create a ledger directory nor write into one that holds no ledger (exit 3)', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'ecr-ledger-none-'));
    const missing = join(parent, 'nothing-here');
    for (const argv of [['plan', '--ledger', missing], ['who-uses', 'app:1', '--ledger', missing], ['explain', 'app:1', '--ledger', missing], ['history', '--ledger', missing], ['sweep', '--ledger', missing], ['pin', 'app:1', '--reason', 'x', '--ledger', missing]]) {
      const result = await cli(...argv);
      expect(result.code, argv[0]).toBe(3);
      expect(result.err).toBe(`ecr-ledger: no ledger in ${missing} (run \`ecr-ledger reconcile --ledger ${missing}\` first)`);
    }
    expect(existsSync(missing)).toBe(false);
    expect(await readdir(parent)).toEqual([]);
    expect((await cli('plan', '--ledger', parent)).code).toBe(3);
    expect(await readdir(parent)).toEqual([]);
    await expect(startEmbeddedDynamoDb(missing, { create: false })).rejects.toThrow(NotFoundError);
  });
});
