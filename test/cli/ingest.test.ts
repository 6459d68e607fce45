import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { FakeAccount } from '../fakes/fake-account.js';

import { sample as documented } from '../fixtures/events/samples.js';

const sample = async (name: string) => documented(name);

async function cli(account: FakeAccount, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), clock: () => new Date('2026-11-20T00:00:00Z'), aws: () => account.clients() });
  return { code, out: out.join('\n'), err: err.join('\n'), json: () => JSON.parse(out.join('\n')) };
}

describe('ecr-ledger ingest', () => {
  it('applies JSON Lines, reports a bad line and a malformed event by line and id, and exits 5', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-ingest-'));
    const push = await sample('ecr-image-action-push');
    const malformed = { ...push, id: 'broken-1', detail: { ...push.detail, 'action-type': 'EXPLODE' } };
    const file = join(dir, 'events.jsonl');
    await writeFile(file, [JSON.stringify(push), '{ not json', JSON.stringify(malformed), JSON.stringify(await sample('ecr-image-scan-basic')), ''].join('\n'));
    const result = await cli(new FakeAccount(), 'ingest', file, '--ledger', join(dir, 'ledger'), '--offline', '--output', 'json');
    expect(result.code).toBe(5);
    expect(result.json()).toMatchObject({ applied: 1, ignored: 1, skipped: [{ where: `${file}:2` }, { where: `${file}:3` }] });
    expect(result.err).toContain(`skipped ${file}:2: not JSON`);
    expect(result.err).toContain(`skipped ${file}:3: event broken-1: malformed ECR Image Action: detail.action-type: unknown action type "EXPLODE"`);
    expect(result.err).toContain('warning: --offline');
    const who = await cli(new FakeAccount(), 'who-uses', 'my-repository-name:latest', '--ledger', join(dir, 'ledger'), '--scope', '123456789012/us-west-2', '--output', 'json');
    expect(who.json().images).toEqual([expect.objectContaining({ imageTags: ['latest'], referrers: [] })]);
  });

  it('reads a JSON array and a single event, looks up what events lack, and exits 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-ingest-'));
    const account = new FakeAccount('123456789012', 'us-west-2');
    const push = await sample('ecr-image-action-push');
    push.detail['image-digest'] = `sha256:${'7'.repeat(64)}`;
    account.ecr.addRepository('my-repository-name').addImage('my-repository-name', { imageDigest: String(push.detail['image-digest']), imageTags: ['latest'], imagePushedAt: new Date('2019-11-16T01:54:30Z'), imageSizeInBytes: 4242 });
    await writeFile(join(dir, 'one.json'), JSON.stringify(push, null, 2));
    await writeFile(join(dir, 'many.json'), JSON.stringify([push, push]));
    const result = await cli(account, 'ingest', join(dir, 'one.json'), join(dir, 'many.json'), '--ledger', join(dir, 'ledger'));
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toContain('3 event(s) from 2 file(s)');
    expect(result.out).toContain('3 applied, 0 ignored (not followed), 0 skipped');
    // The push event has no size: it was looked up (DescribeImages) in the account. A scope fed only by events is
    // listed like any other, with a warning; the sweep refuses it (no watermark).
    const plan = await cli(account, 'plan', '--ledger', join(dir, 'ledger'), '--output', 'json');
    expect(plan.json().images).toEqual([expect.objectContaining({ imageTags: ['latest'], imageSizeInBytes: 4242 })]);
    const neverReconciled = 'scope 123456789012/us-west-2 has never been reconciled: images no event mentioned are missing';
    expect(plan.json().warnings).toContain(neverReconciled);
    expect(plan.err).toContain(`warning: ${neverReconciled}`);
    expect((await cli(account, 'who-uses', 'my-repository-name:latest', '--ledger', join(dir, 'ledger'))).err).toContain(neverReconciled);
    const sweep = await cli(account, 'sweep', '--ledger', join(dir, 'ledger'), '--force');
    expect(sweep.code).toBe(4);
    expect(sweep.err).toContain('no reconcile has completed');
  });

  it('needs files (exit 2)', async () => {
    expect((await cli(new FakeAccount(), 'ingest', '--ledger', '/tmp/x')).code).toBe(2);
  });
});

describe('ingest: files and credentials', () => {
  it('a missing file is an error of that file (exit 2); the other files are applied', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-ingest-'));
    await writeFile(join(dir, 'ok.json'), JSON.stringify(await sample('ecr-image-action-push')));
    const result = await cli(new FakeAccount(), 'ingest', join(dir, 'ok.json'), join(dir, 'missing.json'), '--ledger', join(dir, 'ledger'), '--offline');
    expect(result.code).toBe(2);
    expect(result.err).toContain(`ecr-ledger: ${join(dir, 'missing.json')}: cannot read the file`);
    expect(result.err).not.toContain('skipped');
    expect(result.out).toContain('1 applied');
  });

  it('missing credentials are reported once, with the hint to use --offline, not once per event', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-ingest-'));
    const push = await sample('ecr-image-action-push');
    await writeFile(join(dir, 'events.json'), JSON.stringify([push, { ...push, id: 'second' }, { ...push, id: 'third' }]));
    const noCredentials = new FakeAccount('123456789012', 'us-west-2');
    noCredentials.ecr.mock.onAnyCommand().rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const result = await cli(noCredentials, 'ingest', join(dir, 'events.json'), '--ledger', join(dir, 'ledger'));
    expect(result.code).toBe(1);
    expect(result.err.match(/no AWS credentials found: set AWS_PROFILE or give --profile \(aws configure, aws sso login\)/g)).toHaveLength(1); // once, not per event
    expect(result.err).toContain('give --offline to apply only what the events carry');
  });
});
