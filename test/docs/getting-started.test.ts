import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAt } from '../support/cli.js';
import { A, REGION } from '../fixtures/organisation/sidecar-accounts.js';
import { at, cli, D, organisation, registry, world } from '../fixtures/organisation/central-registry.js';

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

  it('runs the organisation dry run (step 4) offline as written, with a config naming more scopes than can be read', async () => {
    const commands = await commandsOf('## 4. An organisation');
    expect(commands.map((c) => c[0])).toEqual(['snapshot', 'reconcile', 'plan', 'who-uses', 'report']);
    const org = organisation();
    org.denied.add(D); // a member the config names whose reader role cannot be assumed
    const w = await world(org);
    const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-guide-org-'));
    // The guide's names, on the fake organisation: its config, registry and image.
    const local = (a: string) => ({
      'org.yaml': w.config, './org-snapshots': join(dir, 'snapshots'), './org-ledger': w.ledger, './org-report': join(dir, 'report'),
      '111111111111/us-east-1': `${A}/${REGION}`, '111111111111.dkr.ecr.us-east-1.amazonaws.com/payments:2.2': `${registry}/fluentd:ffff`,
    } as Record<string, string>)[a] ?? a;
    const results = [];
    for (const argv of commands) results.push(await cli(org, at(1), ...argv.map(local)));
    const [snapshot, reconcile, plan, who, report] = results;
    expect(snapshot!.code).toBe(5); // "A member that cannot be read is named (exit 5)"
    expect(snapshot!.err).toContain(D);
    expect(reconcile!.code, reconcile!.err).toBe(0);
    expect(reconcile!.err).toContain(`${D}/${REGION}`); // the configured scope the directory lacks, said once
    expect(plan!.code, plan!.err).toBe(0);
    expect(plan!.err).toMatch(new RegExp(`repositor(y|ies) kept whole: \\d+ account/region\\(s\\) a deletion reaches cannot be judged now \\(${D}/${REGION}: `));
    expect(who!.code, who!.err).toBe(0);
    expect(who!.out).toContain('fluentd');
    expect(report!.code, report!.err).toBe(0);
  });
});
