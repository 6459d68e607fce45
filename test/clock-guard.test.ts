import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dayShift } from './support/process-clock.js';

const READS_PROCESS_CLOCK = /new Date\(\s*\)|Date\.now\b/;
const ALLOWED = 'src/system-clock.ts';

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? sources(join(dir, e.name)) : Promise.resolve(e.name.endsWith('.ts') ? [join(dir, e.name)] : []))));
  return nested.flat();
}

describe('the clock: every deciding path takes the injected one', () => {
  it('only src/system-clock.ts reads the process clock', async () => {
    const offenders: string[] = [];
    for (const file of await sources('src')) {
      if (file === ALLOWED) continue;
      (await readFile(file, 'utf8')).split('\n').forEach((line, i) => {
        if (READS_PROCESS_CLOCK.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offenders).toEqual([]);
  });

  it('the suite runs with the process clock a year away from the times the tests pin', () => {
    // test/support/process-clock.ts (a setup file) moves it: a path that read it would judge at another date and fail.
    expect(Math.abs(Date.now() - Date.parse('2026-11-20T00:00:00Z'))).toBeGreaterThan(300 * 86_400_000);
    expect(Math.abs(dayShift)).toBeGreaterThanOrEqual(365);
  });
});
