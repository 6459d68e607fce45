import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DynamoDbLedger } from '../../src/adapters/dynamodb-ledger.js';
import { startEmbeddedDynamoDb } from '../../src/adapters/embedded-dynamodb.js';
import { runCli } from '../../src/cli/main.js';
import { pictureAt } from '../support/picture.js';
import { FakeAccount } from '../fakes/fake-account.js';

const EXAMPLE = 'examples/account.json';
const CONFIG = 'examples/config.yaml';

async function cli(at: string, argv: string[], account?: FakeAccount) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), clock: () => new Date(at), ...(account && { aws: () => account.clients() }) });
  return { code, out: out.join('\n'), err: err.join('\n'), json: () => JSON.parse(out.join('\n')) };
}

async function world() {
  const ledger = join(await mkdtemp(join(tmpdir(), 'ecr-ledger-pins-')), 'ledger');
  // First seen ten days earlier (grace has passed), and read again the night before (fresh).
  expect((await cli('2026-11-10T00:00:00Z', ['reconcile', '--snapshot', EXAMPLE, '--config', CONFIG, '--ledger', ledger, '--now', '2026-11-10T00:00:00Z'])).code).toBe(0);
  const loaded = await cli('2026-11-19T12:00:00Z', ['reconcile', '--snapshot', await pictureAt(EXAMPLE, '2026-11-19T12:00:00Z'), '--config', CONFIG, '--ledger', ledger, '--now', '2026-11-19T12:00:00Z']);
  expect(loaded.code, loaded.err).toBe(0);
  return ledger;
}

const actionOf = async (ledger: string, at: string, image: string) => (await cli(at, ['explain', image, '--ledger', ledger, '--config', CONFIG, '--now', at, '--output', 'json'])).json().images[0];

describe('pin repo:tag resolves the tag in ECR now', () => {
  const liveAccount = async () => FakeAccount.fromSnapshot(JSON.parse(await readFile(EXAMPLE, 'utf8')));

  it('pins the image the tag points to in ECR now, though the ledger still has it on another', async () => {
    const ledger = await world();
    const a = await liveAccount();
    const r4 = a.ecr.digestOf('checkout', 'r4')!;
    a.ecr.retag('checkout', 'r3', r4, {}); // pushed again since the ledger's reconcile
    const pinned = await cli('2026-11-19T13:00:00Z', ['pin', 'checkout:r3', '--reason', 'EKS job', '--ledger', ledger, '--output', 'json'], a);
    expect(pinned.code, pinned.err).toBe(0);
    expect(pinned.json()).toMatchObject({ pinned: [expect.objectContaining({ repositoryName: 'checkout', imageDigest: r4 })], note: `checkout:r3 resolved in ECR now: ${r4}` });
    expect(pinned.err).toBe('');
  });

  it('says when it used the ledger\'s tag, and when that was seen, because ECR could not be asked', async () => {
    const ledger = await world();
    const a = await liveAccount();
    a.faults.deny('ecr:DescribeImages');
    const ledgerDigest = a.ecr.digestOf('checkout', 'r3')!;
    const pinned = await cli('2026-11-19T13:00:00Z', ['pin', 'checkout:r3', '--reason', 'EKS job', '--ledger', ledger, '--output', 'json'], a);
    expect(pinned.code, pinned.err).toBe(0);
    expect(pinned.json().pinned).toEqual([expect.objectContaining({ imageDigest: ledgerDigest })]);
    expect(pinned.err).toMatch(/^warning: checkout:r3 resolved from the ledger's tag, last seen 2026-11-10T06:00:00.000Z \(ECR could not be asked: ecr:DescribeImages failed: AccessDenied.*\); the tag may have moved since$/);
  });

  it('refuses a tag that points to no image in ECR now, and pins nothing', async () => {
    const ledger = await world();
    const a = await liveAccount();
    a.ecr.removeImage('checkout', a.ecr.digestOf('checkout', 'r3')!);
    const pinned = await cli('2026-11-19T13:00:00Z', ['pin', 'checkout:r3', '--reason', 'EKS job', '--ledger', ledger], a);
    expect(pinned.code).toBe(3);
    expect(pinned.err).toContain('checkout:r3 points to no image in ECR now: nothing was pinned');
    expect((await cli('2026-11-19T14:00:00Z', ['pins', '--ledger', ledger, '--output', 'json'])).json().pins).toEqual([]);
  });
});

describe('removing a pin is a reference that went away (issue 24, point 2)', () => {
  it('unpinning an expired pin restarts grace from its expiry; unpinning a live one, from now', async () => {
    const ledger = await world();
    expect((await actionOf(ledger, '2026-11-19T13:00:00Z', 'checkout:r3')).action).toBe('delete'); // unreferenced since 11-10, graceDays 7
    expect((await cli('2026-11-19T13:00:00Z', ['pin', 'checkout:r3', '--reason', 'DR drill', '--expires', '1h', '--ledger', ledger])).code).toBe(0);
    expect((await cli('2026-11-19T16:00:00Z', ['unpin', 'checkout:r3', '--ledger', ledger])).code).toBe(0); // two hours after it expired
    const afterExpired = await actionOf(ledger, '2026-11-19T17:00:00Z', 'checkout:r3');
    expect(afterExpired.action).toBe('keep');
    expect(afterExpired.unreferencedSince).toEqual({ at: '2026-11-19T14:00:00.000Z', source: 'ledger' });

    expect((await cli('2026-11-19T13:00:00Z', ['pin', 'checkout:r4', '--reason', 'EKS job', '--ledger', ledger])).code).toBe(0);
    expect((await cli('2026-11-19T15:00:00Z', ['unpin', 'checkout:r4', '--ledger', ledger])).code).toBe(0); // no reconcile saw the pin
    const afterLive = await actionOf(ledger, '2026-11-19T16:00:00Z', 'checkout:r4');
    expect(afterLive.action).toBe('keep');
    expect(afterLive.unreferencedSince).toEqual({ at: '2026-11-19T15:00:00.000Z', source: 'ledger' });
    expect((await actionOf(ledger, '2026-11-26T16:00:00Z', 'checkout:r4')).reasons).toContainEqual(expect.stringContaining('unreferenced since 2026-11-19T15:00:00.000Z'));
  });
});

describe('pins, properly', () => {
  it('keeps several pins per image (one per reason), lists them, and removes one by its reason', async () => {
    const ledger = await world();
    expect((await cli('2026-11-19T13:00:00Z', ['pin', 'checkout:r3', '--reason', 'EKS deployment api in cluster prod', '--ledger', ledger])).code).toBe(0);
    expect((await cli('2026-11-19T13:05:00Z', ['pin', 'checkout:r3', '--reason', 'DR drill on 2026-12-01', '--expires', '14d', '--ledger', ledger])).code).toBe(0);
    const pins = (await cli('2026-11-19T14:00:00Z', ['pins', '--ledger', ledger, '--output', 'json'])).json().pins;
    expect(pins.map((p: { reason: string; expiresAt?: string; expired: boolean; imageTags: string[] }) => [p.reason, p.expiresAt ?? null, p.expired, p.imageTags])).toEqual([
      ['DR drill on 2026-12-01', '2026-12-03T13:05:00.000Z', false, ['r3']],
      ['EKS deployment api in cluster prod', null, false, ['r3']],
    ]);
    expect((await cli('2026-11-19T14:00:00Z', ['unpin', 'checkout:r3', '--reason', 'EKS deployment api in cluster prod', '--ledger', ledger])).code).toBe(0);
    const left = (await cli('2026-11-19T14:00:00Z', ['pins', 'checkout:r3', '--ledger', ledger, '--output', 'json'])).json().pins;
    expect(left.map((p: { reason: string }) => p.reason)).toEqual(['DR drill on 2026-12-01']);
    expect((await actionOf(ledger, '2026-11-20T00:00:00Z', 'checkout:r3')).action).toBe('keep');
    expect((await cli('2026-11-19T14:00:00Z', ['unpin', 'checkout:r3', '--reason', 'no such reason', '--ledger', ledger])).code).toBe(3);
  });

  it('an expired pin stops protecting: its report lists it once, and after the grace period the sweep deletes the image', async () => {
    const ledger = await world();
    expect((await cli('2026-11-19T13:00:00Z', ['pin', 'checkout:r3', '--reason', 'DR drill', '--expires', 'PT12H', '--ledger', ledger])).code).toBe(0);
    const account = FakeAccount.fromSnapshot(JSON.parse(await readFile(EXAMPLE, 'utf8')));
    const sweep = async (at: string) => (await cli(at, ['sweep', '--ledger', ledger, '--config', CONFIG, '--force', '--output', 'json'], account)).json();
    /** The example account as a reconcile at `at` would read it (the snapshot captured then). */
    const reconcileAt = async (at: string) => {
      const file = join(await mkdtemp(join(tmpdir(), 'ecr-ledger-pins-')), 'account.json');
      await writeFile(file, JSON.stringify({ ...JSON.parse(await readFile(EXAMPLE, 'utf8')), capturedAt: at }));
      expect((await cli(at, ['reconcile', '--snapshot', file, '--config', CONFIG, '--ledger', ledger])).code).toBe(0);
    };
    const tagsOf = (report: { images: Array<{ repositoryName: string; imageTags: string[] }> }) => report.images.map((i) => `${i.repositoryName}:${i.imageTags[0]}`);

    const first = await sweep('2026-11-20T00:00:00Z');
    expect(tagsOf(first)).not.toContain('checkout:r3');
    expect(first.expiredPins).toEqual([]);
    expect((await actionOf(ledger, '2026-11-20T02:00:00Z', 'checkout:r3')).referrers.filter((r: { kind: string }) => r.kind === 'pin')).toEqual([expect.objectContaining({ kind: 'pin', protecting: false, reason: 'pinned at 2026-11-19T13:00:00.000Z, expired at 2026-11-20T01:00:00.000Z: DR drill' })]);

    // The next run after the expiry says so; the image waits its grace period (graceDays 7) from when it lost its pin.
    await reconcileAt('2026-11-20T02:00:00Z');
    const second = await sweep('2026-11-20T03:00:00Z');
    expect(second.expiredPins).toEqual([expect.objectContaining({ repositoryName: 'checkout', reason: 'DR drill', expiresAt: '2026-11-20T01:00:00.000Z' })]);
    expect(tagsOf(second)).not.toContain('checkout:r3');
    expect((await cli('2026-11-20T04:00:00Z', ['pins', '--ledger', ledger])).out).toMatch(/DR drill\s+2026-11-19T13:00:00.000Z\s+2026-11-20T01:00:00.000Z\s+EXPIRED/);

    await reconcileAt('2026-11-28T00:00:00Z');
    const later = await sweep('2026-11-28T01:00:00Z');
    expect(tagsOf(later)).toContain('checkout:r3');
    expect(later.expiredPins).toEqual([]);
  });

  it('an image with a lasting pin stays protected when another pin on it expires (who-uses and explain over the index)', async () => {
    const ledger = await world();
    expect((await cli('2026-11-19T13:00:00Z', ['pin', 'checkout:r3', '--reason', 'DR drill', '--expires', 'PT12H', '--ledger', ledger])).code).toBe(0);
    expect((await cli('2026-11-19T13:05:00Z', ['pin', 'checkout:r3', '--reason', 'EKS deployment api in cluster prod', '--ledger', ledger])).code).toBe(0);
    for (const first of ['DR drill', 'EKS deployment api in cluster prod']) {
      const explained = await actionOf(ledger, '2026-11-20T02:00:00Z', 'checkout:r3');
      expect(explained.action).toBe('keep');
      // The pins of one image are one referrer: protecting while any of them is, with every reason.
      expect(explained.referrers.filter((r: { kind: string }) => r.kind === 'pin')).toEqual([expect.objectContaining({ protecting: true, reason: expect.stringContaining('EKS deployment api in cluster prod') })]);
      expect(explained.referrers.find((r: { kind: string }) => r.kind === 'pin').reason).toContain('expired at 2026-11-20T01:00:00.000Z: DR drill');
      const who = (await cli('2026-11-20T02:00:00Z', ['who-uses', 'checkout:r3', '--ledger', ledger, '--config', CONFIG, '--now', '2026-11-20T02:00:00Z', '--output', 'json'])).json();
      expect(who.images[0].referrers.filter((r: { kind: string; protecting: boolean }) => r.kind === 'pin' && r.protecting)).toHaveLength(1);
      // Either order of the two pins in the ledger: remove and pin again.
      expect((await cli('2026-11-19T14:00:00Z', ['unpin', 'checkout:r3', '--reason', first, '--ledger', ledger])).code).toBe(0);
      expect((await cli('2026-11-19T14:00:00Z', ['pin', 'checkout:r3', '--reason', first, ...(first === 'DR drill' ? ['--expires', '2026-11-20T01:00:00Z'] : []), '--ledger', ledger])).code).toBe(0);
    }
  });

  it('reads and removes pins written before several pins per image existed', async () => {
    const ledger = await world();
    const engine = await startEmbeddedDynamoDb(ledger);
    try {
      const store = new DynamoDbLedger(engine.client, engine.tableName);
      const [scope] = await store.scopes();
      const { facts } = await store.load(scope!);
      const r3 = facts.images.find((i) => i.repositoryName === 'checkout' && i.imageTags.includes('r3'))!;
      // As the previous version wrote it: keyed by the image, no key or expiry in the fact.
      await store.putPin(scope!, { repositoryName: 'checkout', imageDigest: r3.imageDigest, reason: 'old pin', pinnedAt: '2026-11-01T00:00:00.000Z' });
    } finally {
      await engine.close();
    }
    expect((await cli('2026-11-19T14:00:00Z', ['pins', '--ledger', ledger, '--output', 'json'])).json().pins).toEqual([expect.objectContaining({ reason: 'old pin', expired: false })]);
    expect((await actionOf(ledger, '2026-11-20T00:00:00Z', 'checkout:r3')).action).toBe('keep');
    expect((await cli('2026-11-19T14:00:00Z', ['unpin', 'checkout:r3', '--ledger', ledger, '--output', 'json'])).json().unpinned).toHaveLength(1);
    // Removing the pin restarts the grace period (graceDays 7) from the removal.
    expect((await actionOf(ledger, '2026-11-20T00:00:00Z', 'checkout:r3')).action).toBe('keep');
    expect((await actionOf(ledger, '2026-11-26T15:00:00Z', 'checkout:r3')).action).toBe('delete');
  });

  it('refuses an expiry it cannot read or that is past', async () => {
    const ledger = await world();
    const bad = await cli('2026-11-19T13:00:00Z', ['pin', 'checkout:r3', '--reason', 'x', '--expires', 'next week', '--ledger', ledger]);
    expect([bad.code, bad.err]).toEqual([2, 'ecr-ledger: --expires next week: expected an ISO-8601 time (2027-01-31T00:00:00Z, 2027-01-31) or a duration (90m, 12h, 30d, 2w, P30D, PT12H)']);
    const past = await cli('2026-11-19T13:00:00Z', ['pin', 'checkout:r3', '--reason', 'x', '--expires', '2026-11-01T00:00:00Z', '--ledger', ledger]);
    expect([past.code, past.err]).toEqual([2, 'ecr-ledger: --expires 2026-11-01T00:00:00.000Z is not in the future']);
  });
});
