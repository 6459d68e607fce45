import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAt } from '../support/cli.js';

/** The commands of one section of docs/getting-started.md (its shell block, comments dropped). */
async function commandsOf(heading: string): Promise<string[][]> {
  const text = await readFile('docs/getting-started.md', 'utf8');
  const section = text.slice(text.indexOf(heading));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  return block.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => l.startsWith('ecr-ledger ')).map((l) => l.split(/\s+/).slice(1));
}

describe('docs/getting-started.md', () => {
  it('works step by step on the example account (step 2), as written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-guide-'));
    const commands = await commandsOf('## 2. Try it on the example account');
    expect(commands.map((c) => c[0])).toEqual(['init', 'lifecycle-check', 'plan', 'explain']);
    const codes: number[] = [];
    for (const argv of commands) {
      const result = await runAt('2026-11-20T00:00:00Z', argv.map((a) => (a === 'example.yaml' ? join(dir, 'example.yaml') : a)));
      codes.push(result.code);
      if (argv[0] === 'plan') expect(result.out).toMatch(/image\(s\) wait for olderThanDays \(first eligible 2026-11-21\)/);
    }
    // lifecycle-check finds the fluentd policy's two images in use: exit 6, as the guide says.
    expect(codes).toEqual([0, 6, 0, 0]);
  });
});
