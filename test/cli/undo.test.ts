import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpdateImageStorageClassCommand } from '@aws-sdk/client-ecr';
import { describe, expect, it } from 'vitest';
import { FakeAccount } from '../fakes/fake-account.js';
import { digest } from '../fixtures/account-builder.js';
import { day } from '../fixtures/sweep-world.js';
import { runAt } from '../support/cli.js';

const HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';

async function world(rule: string) {
  const a = new FakeAccount();
  a.ecr.addRepository('app');
  for (const name of ['live', 'old1', 'old2', 'old3']) a.ecr.addImage('app', { imageDigest: digest(name), imageTags: [name], imagePushedAt: new Date('2026-09-01T00:00:00Z'), imageSizeInBytes: 2 ** 20 });
  const td = a.ecs.addTaskDefinition('app', 1, { app: `${HOST}/app:live` });
  a.ecs.addService('prod', { serviceName: 'web', deployments: [{ id: 'd1', status: 'PRIMARY', taskDefinition: td }] });
  const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-archive-'));
  const config = join(dir, 'config.yaml');
  await writeFile(config, `repositories:\n  - pattern: "*"\n    keepLatest: 0\n${rule}`);
  const ledger = join(dir, 'ledger');
  const at = (d: number, ...argv: string[]) => {
    a.ecr.clock = () => day(d);
    return runAt(day(d), argv, { account: a });
  };
  return { a, config, ledger, at };
}

describe('archive first, delete later', () => {
  it('archives what the policy selects; deleteArchivedAfterDays later deletes only what it still selects', async () => {
    const { a, config, ledger, at } = await world('    action: archive\n    deleteArchivedAfterDays: 30\n');
    await at(0, 'reconcile', '--ledger', ledger, '--quiet');
    await at(8, 'reconcile', '--ledger', ledger, '--quiet');
    const plan = (await at(8, 'plan', '--ledger', ledger, '--config', config, '-o', 'json')).json();
    expect(plan.images.filter((i: { action: string }) => i.action === 'delete').map((i: { imageTags: string[]; disposal: string }) => [i.imageTags[0], i.disposal]).sort()).toEqual([['old1', 'archive'], ['old2', 'archive'], ['old3', 'archive']]);
    expect((await at(8, 'plan', '--ledger', ledger, '--config', config)).out).toContain('Would archive 3 image(s):');
    const archived = (await at(8, 'sweep', '--ledger', ledger, '--config', config, '--force', '-o', 'json')).json();
    expect(archived.totals.images).toBe(3);
    expect(a.ecr.storageClassUpdates.sort()).toEqual(['old1', 'old2', 'old3'].map((n) => `ARCHIVE app@${digest(n)}`).sort());
    expect(a.ecr.deleted).toEqual([]);

    // Archived, not yet deletable: the plan says when, and waits.
    await at(9, 'reconcile', '--ledger', ledger, '--quiet');
    const waiting = (await at(9, 'plan', '--ledger', ledger, '--config', config, '-o', 'json')).json();
    expect(waiting.images.find((i: { imageTags: string[] }) => i.imageTags[0] === 'old1')).toMatchObject({ action: 'keep', imageStatus: 'ARCHIVED', reasons: [expect.stringMatching(/^archived on \d{4}-\d\d-\d\d: deletable from \d{4}-\d\d-\d\d \(deleteArchivedAfterDays 30\)$/)] });
    expect(waiting.waiting.map((w: { for: string[] }) => w.for)).toEqual([['deleteArchivedAfterDays'], ['deleteArchivedAfterDays'], ['deleteArchivedAfterDays']]);
    const explain = await at(9, 'explain', 'app:old1', '--ledger', ledger, '--config', config);
    expect(explain.out).toContain('(deleteArchivedAfterDays 30)');
    // A second archiving run does not archive them again.
    expect((await at(9, 'sweep', '--ledger', ledger, '--config', config, '--force', '-o', 'json')).json().totals.images).toBe(0);

    // old2 comes into use again; 30 days after archiving, the others go, old2 stays.
    a.ecs.addTaskDefinition('batch', 1, { job: `${HOST}/app:old2` });
    await at(39, 'reconcile', '--ledger', ledger, '--quiet');
    const deleted = (await at(39, 'sweep', '--ledger', ledger, '--config', config, '--force', '-o', 'json')).json();
    expect(deleted.images.map((i: { imageTags: string[]; action: string }) => [i.imageTags[0], i.action]).sort()).toEqual([['old1', 'delete'], ['old3', 'delete']]);
    expect(a.ecr.hasImage('app', digest('old2'))).toBe(true);
    expect(a.ecr.hasImage('app', digest('live'))).toBe(true);
  });

  it('never deletes an archived image without deleteArchivedAfterDays', async () => {
    const { a, config, ledger, at } = await world('    action: archive\n');
    await at(0, 'reconcile', '--ledger', ledger, '--quiet');
    await at(8, 'reconcile', '--ledger', ledger, '--quiet');
    await at(8, 'sweep', '--ledger', ledger, '--config', config, '--force');
    await at(300, 'reconcile', '--ledger', ledger, '--quiet');
    expect((await at(300, 'sweep', '--ledger', ledger, '--config', config, '--force', '-o', 'json')).json().totals.images).toBe(0);
    const plan = (await at(300, 'plan', '--ledger', ledger, '--config', config, '-o', 'json')).json();
    expect(plan.images.find((i: { imageTags: string[] }) => i.imageTags[0] === 'old1').reasons[0]).toMatch(/: the sweep does not delete archived images \(deleteArchivedAfterDays is not set\)$/);
    expect(a.ecr.deleted).toEqual([]);
  });

  it('takes action and deleteArchivedAfterDays per rule (the rule wins over sweep), and names a bad value', async () => {
    const { config, ledger, at } = await world('    action: delete\n');
    await writeFile(config, 'repositories:\n  - pattern: "*"\n    keepLatest: 0\n    action: delete\nsweep:\n  action: archive\n  deleteArchivedAfterDays: 10\n');
    await at(0, 'reconcile', '--ledger', ledger, '--quiet');
    await at(8, 'reconcile', '--ledger', ledger, '--quiet');
    const plan = (await at(8, 'plan', '--ledger', ledger, '--config', config, '-o', 'json')).json();
    expect(new Set(plan.images.filter((i: { action: string }) => i.action === 'delete').map((i: { disposal: string }) => i.disposal))).toEqual(new Set(['delete']));
    await writeFile(config, 'repositories:\n  - pattern: "*"\n    deleteArchivedAfterDays: 0\n');
    const bad = await at(8, 'plan', '--ledger', ledger, '--config', config);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('repositories[0].deleteArchivedAfterDays');
  });
});

describe('restore', () => {
  it('restores archived images by IMAGE and by --run, a dry run unless --force, audited with who asked', async () => {
    const { a, config, ledger, at } = await world('    action: archive\n');
    await at(0, 'reconcile', '--ledger', ledger, '--quiet');
    await at(8, 'reconcile', '--ledger', ledger, '--quiet');
    const run = (await at(8, 'sweep', '--ledger', ledger, '--config', config, '--force', '-o', 'json')).json();
    expect(a.ecr.statusOf('app', digest('old1'))).toBe('ARCHIVED');

    const dry = await at(9, 'restore', 'app:old1', '--ledger', ledger);
    expect([dry.code, dry.out.split('\n')[0]]).toEqual([0, 'DRY RUN (nothing was changed): 1 archived image(s) would be restored (1.0 MiB, about 0.00 USD at 0.03 USD/GB restored). Run again with --force to restore them.']);
    expect(a.ecr.statusOf('app', digest('old1'))).toBe('ARCHIVED');
    const one = (await at(9, 'restore', `app@${digest('old1')}`, '--ledger', ledger, '--force', '-o', 'json')).json();
    expect(one).toMatchObject({ dryRun: false, images: [{ repositoryName: 'app', imageDigest: digest('old1'), imageTags: ['old1'], status: 'restored' }] });
    expect(a.ecr.statusOf('app', digest('old1'))).toBe('ACTIVATING');

    const byRun = (await at(9, 'restore', '--run', run.runId, '--ledger', ledger, '--force', '-o', 'json')).json();
    expect(byRun.images.map((i: { imageTags: string[]; status: string }) => [i.imageTags[0], i.status]).sort()).toEqual([['old1', 'restoring already'], ['old2', 'restored'], ['old3', 'restored']]);
    expect(a.ecr.storageClassUpdates.filter((u) => u.startsWith('STANDARD')).sort()).toEqual(['old1', 'old2', 'old3'].map((n) => `STANDARD app@${digest(n)}`).sort());

    const history = await at(10, 'history', 'app:old2', '--ledger', ledger);
    expect(history.out).toMatch(/restored {2}app@sha256:\S+ \[old2\] .* \(asked by arn:aws:sts::123456789012:assumed-role\/ecr-ledger\/session\)/);
    expect(history.out).toContain(`restored with the images run ${run.runId} archived`);
  });

  it('says what is not archived, and exits 3 when nothing named exists', async () => {
    const { ledger, at } = await world('');
    await at(0, 'reconcile', '--ledger', ledger, '--quiet');
    const live = (await at(1, 'restore', 'app:live', '--ledger', ledger, '--force', '-o', 'json')).json();
    expect(live.images).toEqual([expect.objectContaining({ status: 'not archived' })]);
    expect((await at(1, 'restore', 'app:nope', '--ledger', ledger)).code).toBe(3);
    expect((await at(1, 'restore', '--ledger', ledger)).code).toBe(2);
  });
});

describe('deletions made elsewhere', () => {
  const deleteEvent = (name: string) => ({
    version: '0', id: `delete-${name}`, 'detail-type': 'ECR Image Action', source: 'aws.ecr', account: '123456789012', time: '2026-11-10T10:00:00Z', region: 'us-east-1', resources: [],
    detail: { result: 'SUCCESS', 'repository-name': 'app', 'image-digest': digest(name), 'action-type': 'DELETE' },
  });

  it('an ECR DELETE of an image in use: ingest warns with who used it and how to recover, history shows it as deleted outside ecr-ledger', async () => {
    const { a, ledger, at } = await world('');
    await at(0, 'reconcile', '--ledger', ledger, '--quiet');
    a.ecr.removeImage('app', digest('live'));
    a.ecr.removeImage('app', digest('old1'));
    const file = join(ledger, '..', 'events.jsonl');
    await writeFile(file, [deleteEvent('live'), deleteEvent('old1')].map((e) => JSON.stringify(e)).join('\n'));
    const ingested = await at(1, 'ingest', file, '--ledger', ledger, '--offline');
    expect(ingested.code).toBe(0);
    const warnings = ingested.err.split('\n').filter((l) => l.includes('deleted outside ecr-ledger'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`app@${digest('live')} [live] was deleted outside ecr-ledger at 2026-11-10T10:00:00.000Z while in use by ecs-service arn:aws:ecs:us-east-1:123456789012:service/prod/web`);
    expect(warnings[0]).toContain('To recover: copy the same manifest back byte for byte');
    const history = await at(2, 'history', '--ledger', ledger);
    expect(history.out).toMatch(/DELETED OUTSIDE ecr-ledger {2}app@sha256:\S+ \[live\]/);
    expect(history.out).not.toContain('[old1]');
  });
});

describe('archived images in use', () => {
  it('plan and explain name an archived image something uses, with the restore command, whoever archived it', async () => {
    const { a, ledger, config, at } = await world('');
    await a.ecr.client.send(new UpdateImageStorageClassCommand({ repositoryName: 'app', imageId: { imageDigest: digest('live') }, targetStorageClass: 'ARCHIVE' }));
    await at(1, 'reconcile', '--ledger', ledger, '--quiet');
    const plan = await at(1, 'plan', '--ledger', ledger, '--config', config, '-o', 'json');
    expect(plan.json().warnings).toContainEqual(`app@${digest('live')} [live] is archived and in use by ecs-service arn:aws:ecs:us-east-1:123456789012:service/prod/web, ecs-task-definition arn:aws:ecs:us-east-1:123456789012:task-definition/app:1: its next pull fails until it is restored: ecr-ledger restore app@${digest('live')} --force`);
    const explain = await at(1, 'explain', 'app:live', '--ledger', ledger, '--config', config);
    expect(explain.out).toContain(`WARNING: app@${digest('live')} [live] is archived and in use by`);
  });
});
