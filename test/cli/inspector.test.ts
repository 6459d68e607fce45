import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAt } from '../support/cli.js';
import { FakeAccount } from '../fakes/fake-account.js';

const EXAMPLE = 'examples/account.json';

const cli = (account: FakeAccount, at: string, ...argv: string[]) => runAt(at, argv, { account });

async function setUp(withEvidence = true) {
  const snapshot = JSON.parse(await readFile(EXAMPLE, 'utf8'));
  const a = FakeAccount.fromSnapshot(snapshot);
  const digestOf = (tag: string) => snapshot.ecr.repositories.find((r: { repositoryName: string }) => r.repositoryName === 'checkout').images.find((i: { imageTags: string[] }) => i.imageTags.includes(tag)).imageDigest as string;
  const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-inspector-'));
  const config = join(dir, 'config.yaml');
  await writeFile(config, `${await readFile('examples/config.yaml', 'utf8')}${withEvidence ? 'evidence:\n  inspector:\n    keepInUseWithinDays: 14\n' : ''}`);
  return { a, digestOf, config, ledger: join(dir, 'ledger') };
}

const decision = (plan: { images: Array<{ repositoryName: string; imageTags: string[]; action: string; referrers: Array<{ kind: string; protecting: boolean; reason: string }> }> }, tag: string) =>
  plan.images.find((i) => i.repositoryName === 'checkout' && i.imageTags.includes(tag))!;

describe('Amazon Inspector evidence (evidence.inspector, opt-in)', () => {
  it('protects images Inspector saw in use within N days, naming Inspector and the time; older sightings do not count', async () => {
    const w = await setUp();
    w.a.inspector.seen('checkout', w.digestOf('r3'), new Date('2026-11-12T08:00:00Z'), 2);
    w.a.inspector.seen('checkout', w.digestOf('r2'), new Date('2026-10-01T00:00:00Z'));
    // Two nightly reconciles: the images unprotected since the first have passed their grace period by the plan.
    expect((await cli(w.a, '2026-11-10T06:00:00Z', 'reconcile', '--ledger', w.ledger, '--config', w.config, '--quiet')).code).toBe(0);
    const reconciled = await cli(w.a, '2026-11-19T12:00:00Z', 'reconcile', '--ledger', w.ledger, '--config', w.config, '--quiet', '--output', 'json');
    expect(reconciled.json().calls['inspector2:ListCoverage']).toBe(1);
    const plan = (await cli(w.a, '2026-11-20T00:00:00Z', 'plan', '--ledger', w.ledger, '--config', w.config, '--now', '2026-11-20T00:00:00Z', '--output', 'json')).json();
    expect(decision(plan, 'r3').action).toBe('keep');
    expect(decision(plan, 'r3').referrers.filter((r) => r.protecting)).toEqual([expect.objectContaining({ kind: 'inspector', reason: 'Amazon Inspector saw it in use at 2026-11-12T08:00:00.000Z (2 ECS task(s) or EKS pod(s))' })]);
    expect(decision(plan, 'r2').referrers.filter((r) => r.kind === 'inspector')).toEqual([]);
    expect(decision(plan, 'r2').action).toBe('delete');
  });

  it('reads it again in the sweep\'s live check, and an account without Inspector gets a warning, not a failure', async () => {
    const w = await setUp();
    expect((await cli(w.a, '2026-11-10T06:00:00Z', 'reconcile', '--ledger', w.ledger, '--config', w.config, '--quiet')).code).toBe(0);
    expect((await cli(w.a, '2026-11-19T12:00:00Z', 'reconcile', '--ledger', w.ledger, '--config', w.config, '--quiet')).code).toBe(0);
    w.a.inspector.seen('checkout', w.digestOf('r4'), new Date('2026-11-19T20:00:00Z'));
    const swept = (await cli(w.a, '2026-11-20T00:00:00Z', 'sweep', '--ledger', w.ledger, '--config', w.config, '--force', '--output', 'json')).json();
    const gone = swept.images.map((i: { repositoryName: string; imageTags: string[] }) => `${i.repositoryName}:${i.imageTags[0]}`);
    expect(gone).not.toContain('checkout:r4');
    expect(gone).toContain('checkout:r3');

    const off = await setUp();
    off.a.inspector.enabled = false;
    const reconciled = await cli(off.a, '2026-11-19T12:00:00Z', 'reconcile', '--ledger', off.ledger, '--config', off.config, '--quiet');
    expect(reconciled.code).toBe(0);
    expect(reconciled.err).toMatch(/^warning: Amazon Inspector evidence is not available in 123456789012 \(inspector2:ListCoverage failed: AccessDeniedException/m);
  });

  it('is not read at all unless configured', async () => {
    const w = await setUp(false);
    w.a.inspector.seen('checkout', w.digestOf('r3'), new Date('2026-11-19T08:00:00Z'));
    const reconciled = (await cli(w.a, '2026-11-19T12:00:00Z', 'reconcile', '--ledger', w.ledger, '--config', w.config, '--quiet', '--output', 'json')).json();
    expect(reconciled.calls['inspector2:ListCoverage']).toBeUndefined();
  });
});
