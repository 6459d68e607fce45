import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { A, B, C, fluentdDigest, REGION, writeSidecarSnapshots } from '../fixtures/organisation/sidecar-accounts.js';

const LATER = '2026-11-11T00:00:00Z';

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), clock: () => new Date(LATER) });
  return { code, out: out.join('\n'), err: err.join('\n'), json: () => JSON.parse(out.join('\n')) };
}

/** Keep only the newest unprotected image, with no grace: whatever is protected must be protected by use. */
async function keepNewest1(dir: string): Promise<string> {
  const file = join(dir, 'config.yaml');
  await writeFile(file, 'repositories:\n  - pattern: "*"\n    keepLatest: 1\n    olderThanDays: 0\n    graceDays: 0\n    keepTags: []\n    keepPulledWithinDays: 0\necs:\n  rollbackRevisions: 0\n');
  return file;
}

describe('one ledger, three accounts: the sidecar case across a central registry', () => {
  it('keeps fluentd:bbbb, which middleware:2 in account C runs from account A; who-uses names it with its account', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-org-'));
    const ledger = join(dir, 'ledger');
    const config = await keepNewest1(dir);
    const snapshots = await writeSidecarSnapshots(dir);
    for (const file of [snapshots.a, snapshots.b, snapshots.c]) expect((await cli('reconcile', '--snapshot', file, '--ledger', ledger, '--now', LATER)).code).toBe(0);

    const plan = await cli('plan', '--ledger', ledger, '--scope', `${A}/${REGION}`, '--config', config, '--now', LATER, '--output', 'json');
    expect(plan.code).toBe(0);
    const action = (tag: string) => plan.json().images.find((i: { imageTags: string[] }) => i.imageTags.includes(tag)).action;
    expect(action('bbbb')).toBe('keep');
    expect(action('eeee')).toBe('keep');
    expect(action('dddd')).toBe('keep'); // the newest unprotected one (keepLatest 1)
    expect(action('cccc')).toBe('delete');
    expect(action('aaaa')).toBe('delete'); // middleware:1 is outside its family's window, app:1 too

    const who = await cli('who-uses', `${A}.dkr.ecr.${REGION}.amazonaws.com/fluentd:bbbb`, '--ledger', ledger, '--output', 'json');
    const referrers = who.json().images[0].referrers as Array<{ kind: string; id: string; account: string; region: string; protecting: boolean }>;
    expect(referrers).toContainEqual(expect.objectContaining({ kind: 'ecs-task-definition', id: `arn:aws:ecs:${REGION}:${C}:task-definition/middleware:2`, account: C, region: REGION, protecting: true }));
    expect(referrers).toContainEqual(expect.objectContaining({ kind: 'ecs-service', id: `arn:aws:ecs:${REGION}:${C}:service/prod/middleware`, account: C, protecting: true }));
    expect(referrers).toContainEqual(expect.objectContaining({ id: `arn:aws:ecs:${REGION}:${B}:task-definition/app:2`, account: B, protecting: false }));

    const explain = (tag: string) => cli('explain', `fluentd:${tag}`, '--ledger', ledger, '--scope', `${A}/${REGION}`, '--config', config, '--now', LATER);
    expect((await explain('bbbb')).out).toContain(`in use by ecs-service arn:aws:ecs:${REGION}:${C}:service/prod/middleware`);
    expect((await explain('aaaa')).out).toContain('its repository policy lets only accounts the ledger holds pull (222222222222, 333333333333): their references are counted');
  });

  it('with C\'s snapshot missing, the registry\'s policy granting C keeps the repository whole', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-org-'));
    const ledger = join(dir, 'ledger');
    const config = await keepNewest1(dir);
    const snapshots = await writeSidecarSnapshots(dir);
    for (const file of [snapshots.a, snapshots.b]) await cli('reconcile', '--snapshot', file, '--ledger', ledger, '--now', LATER);
    const plan = await cli('plan', '--ledger', ledger, '--scope', `${A}/${REGION}`, '--config', config, '--now', LATER, '--output', 'json');
    const fluentd = plan.json().images.filter((i: { repositoryName: string }) => i.repositoryName === 'fluentd');
    expect(fluentd.map((i: { action: string }) => i.action)).toEqual(['keep', 'keep', 'keep', 'keep', 'keep']);
    expect(fluentd.find((i: { imageDigest: string }) => i.imageDigest === fluentdDigest('aaaa')).reasons.join()).toContain(`a deletion reaches ${C}/* (its repository policy allows arn:aws:iam::${C}:root to pull): the ledger does not hold it`);
  });

  it('a stale account is not visible: its grant keeps the repository whole again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-org-'));
    const ledger = join(dir, 'ledger');
    const config = await keepNewest1(dir);
    const snapshots = await writeSidecarSnapshots(dir);
    await cli('reconcile', '--snapshot', snapshots.c, '--ledger', ledger, '--now', '2026-11-01T00:00:00Z'); // 10 days before: stale
    for (const file of [snapshots.a, snapshots.b]) await cli('reconcile', '--snapshot', file, '--ledger', ledger, '--now', LATER);
    const plan = await cli('plan', '--ledger', ledger, '--scope', `${A}/${REGION}`, '--config', config, '--now', LATER, '--output', 'json');
    expect(plan.json().images.filter((i: { repositoryName: string; action: string }) => i.repositoryName === 'fluentd' && i.action === 'delete')).toEqual([]);
  });
});

describe('the same three accounts fed by events alone, in any order', () => {
  it('keeps fluentd:bbbb and who-uses names middleware:2 in account C, whatever the order of the events', async () => {
    const { cloudTrailEvent } = await import('../fixtures/events/cloudtrail.js');
    const { sidecarSnapshots } = await import('../fixtures/organisation/sidecar-accounts.js');
    const snapshots = sidecarSnapshots();
    const inAccount = <T extends { account: string; region: string }>(event: T, account: string) => ({ ...event, account, region: REGION });
    const pushes = snapshots.a.ecr.repositories[0]!.images.map((image, i) => ({
      version: '0', id: `push-${i}`, 'detail-type': 'ECR Image Action', source: 'aws.ecr', account: A, region: REGION, time: image.imagePushedAt, resources: [],
      detail: { result: 'SUCCESS', 'repository-name': 'fluentd', 'image-digest': image.imageDigest, 'action-type': 'PUSH', 'image-tag': image.imageTags[0] },
    }));
    const workloads = (snapshot: typeof snapshots.b, account: string) => [
      ...snapshot.ecs.taskDefinitions.map((td) => inAccount(cloudTrailEvent('ecs', 'RegisterTaskDefinition', { time: '2026-11-09T00:00:00Z', requestParameters: { family: td.family }, responseElements: { taskDefinition: td } }), account)),
      ...snapshot.ecs.services.map((svc) => inAccount(cloudTrailEvent('ecs', 'CreateService', { time: '2026-11-09T01:00:00Z', requestParameters: { cluster: 'prod', serviceName: svc.serviceName }, responseElements: { service: svc } }), account)),
    ];
    const events = [...pushes, ...workloads(snapshots.b, B), ...workloads(snapshots.c, C)];
    for (const seed of [1, 2, 3]) {
      const shuffled = [...events].sort((x, y) => ((x.id.length * 31 + seed * 17) % 7) - ((y.id.length * 13 + seed * 5) % 7) || (seed % 2 ? 1 : -1) * x.id.localeCompare(y.id));
      const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-org-events-'));
      await writeFile(join(dir, 'events.json'), JSON.stringify(shuffled));
      expect((await cli('ingest', join(dir, 'events.json'), '--ledger', join(dir, 'ledger'), '--offline')).code).toBe(0);
      const config = await keepNewest1(dir);
      const plan = await cli('plan', '--ledger', join(dir, 'ledger'), '--scope', `${A}/${REGION}`, '--config', config, '--now', LATER, '--output', 'json');
      const action = (tag: string) => plan.json().images.find((i: { imageTags: string[] }) => i.imageTags.includes(tag)).action;
      expect([action('bbbb'), action('eeee')], `order ${seed}`).toEqual(['keep', 'keep']);
      const who = await cli('who-uses', `${A}.dkr.ecr.${REGION}.amazonaws.com/fluentd:bbbb`, '--ledger', join(dir, 'ledger'), '--output', 'json');
      expect(who.json().images[0].referrers).toContainEqual(expect.objectContaining({ id: `arn:aws:ecs:${REGION}:${C}:service/prod/middleware`, account: C, protecting: true }));
    }
  });
});
