import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { digest } from '../fixtures/account-builder.js';
import { rawSample } from '../fixtures/events/samples.js';
import { A, B, C, fluentdDigest, REGION } from '../fixtures/organisation/sidecar-accounts.js';

import { cli, D, E, organisation, at, registry, world } from '../fixtures/organisation/central-registry.js';

const swept = (report: { images: Array<{ repositoryName: string; imageTags: string[] }> }) => report.images.map((i) => `${i.repositoryName}:${i.imageTags.join(',')}`).sort();

/** The organisation reconciled; then member C starts a task running the registry's `image` (no event: only a live read sees it). */
async function reconciledThenMemberTask(image: string, taskId: string) {
  const org = organisation();
  const w = await world(org);
  expect((await cli(org, at(1), 'reconcile', '--ledger', w.ledger, '--config', w.config)).code).toBe(0);
  const member = org.accounts.get(C)!;
  const job = member.ecs.addTaskDefinition('cleanup', 1, { cleanup: `${registry}/${image}` });
  member.ecs.addTask('batch', { taskArn: `arn:aws:ecs:${REGION}:${C}:task/batch/${taskId}`, taskDefinitionArn: job, lastStatus: 'RUNNING', containers: [{ name: 'cleanup', image: `${registry}/${image}` }] });
  return { org, w };
}

describe('organisation-wide (a central registry and member accounts behind AssumeRole)', () => {
  it('reconciles every member through its reader role; an image only a task in member C runs survives the sweep, and who-uses names C', async () => {
    const org = organisation();
    const w = await world(org);
    const reconciled = await cli(org, at(1), 'reconcile', '--ledger', w.ledger, '--config', w.config, '--output', 'json');
    expect(reconciled.code).toBe(0);
    expect(reconciled.json().scopes.map((s: { scope: { accountId: string } }) => s.scope.accountId)).toEqual([A, B, C, D]);
    expect(org.assumed.sort()).toEqual([B, C, D].map((id) => `arn:aws:iam::${id}:role/ecr-ledger-reader`));
    expect(reconciled.err).toMatch(new RegExp(`^${C}/${REGION}: reconciled, \\d+ images`, 'm'));

    const who = (await cli(org, at(1), 'who-uses', `${registry}/fluentd:ffff`, '--ledger', w.ledger, '--config', w.config, '--output', 'json')).json();
    expect(who.images[0].referrers).toEqual([expect.objectContaining({ kind: 'ecs-task', account: C, region: REGION, protecting: true, id: `arn:aws:ecs:${REGION}:${C}:task/batch/1f2e` }), expect.objectContaining({ kind: 'ecs-task-definition', account: C })]);

    const sweep = await cli(org, at(1), 'sweep', '--ledger', w.ledger, '--scope', `${A}/${REGION}`, '--config', w.config, '--force', '--output', 'json');
    expect(sweep.code).toBe(0);
    const report = sweep.json();
    // Judged by the members' current usage: the unused images go from both shared repositories, the ones B and C run stay.
    expect(swept(report)).toEqual(['fluentd:zzzz', 'tools:old']);
    const central = org.accounts.get(A)!;
    expect(central.ecr.deleted.sort()).toEqual([`fluentd@${digest('fluentd-zzzz')}`, `tools@${digest('tools-old')}`]);
    expect(report.unreadableAccounts).toEqual([]);
    for (const tag of ['ffff', 'bbbb', 'aaaa', 'eeee']) expect(central.ecr.deleted).not.toContain(`fluentd@${fluentdDigest(tag)}`);
  });

  it('reads member usage live in the sweep: a task C started after the reconcile protects its image', async () => {
    const { org, w } = await reconciledThenMemberTask('fluentd:zzzz', '9a9a');
    const report = (await cli(org, at(1), 'sweep', '--ledger', w.ledger, '--scope', `${A}/${REGION}`, '--config', w.config, '--force', '--output', 'json')).json();
    expect(swept(report)).toEqual(['tools:old']);
    expect(org.accounts.get(A)!.ecr.deleted).toEqual([`tools@${digest('tools-old')}`]);
  });

  it('purge-repository reads the members live as the sweep does: a task C started after the reconcile (its event unheard) refuses the purge', async () => {
    const { org, w } = await reconciledThenMemberTask('tools:old', '9b9b');
    const purge = await cli(org, at(1), 'purge-repository', 'tools', '--ledger', w.ledger, '--scope', `${A}/${REGION}`, '--config', w.config, '--force');
    expect(purge.code, purge.err).toBe(4);
    expect(purge.err).toContain(`task/batch/9b9b`);
    expect(org.accounts.get(A)!.ecr.deleted).toEqual([]);
  });

  it('a member whose role is denied keeps its watermark and blocks deletion in every repository it can pull from; the rest are swept', async () => {
    const org = organisation();
    org.denied.add(D);
    // Even a rule that judges shared repositories (keepIfSharedWithOtherAccounts: false) must not delete where D can pull.
    const w = await world(org, { keepShared: false });
    const reconciled = await cli(org, at(1), 'reconcile', '--ledger', w.ledger, '--config', w.config, '--output', 'json');
    expect(reconciled.code).toBe(5);
    const failed = reconciled.json().scopes.filter((s: { error?: string }) => s.error);
    expect(failed).toEqual([{ scope: { accountId: D, region: REGION }, error: expect.stringMatching(new RegExp(`^account ${D} cannot be read: assuming arn:aws:iam::${D}:role/ecr-ledger-reader failed: AccessDenied`)) }]);
    expect(reconciled.err).toContain(`${D}/${REGION}: FAILED, its watermark is unchanged`);

    const sweep = await cli(org, at(1), 'sweep', '--ledger', w.ledger, '--scope', `${A}/${REGION}`, '--config', w.config, '--force', '--output', 'json');
    const report = sweep.json();
    expect(swept(report)).toEqual(['tools:old']);
    expect(report.unreadableAccounts).toEqual([{ accountId: D, repositories: ['fluentd'], reason: expect.stringContaining('AccessDenied') }]);
    expect(org.accounts.get(A)!.ecr.deleted).toEqual([`tools@${digest('tools-old')}`]);
    expect(sweep.err).toMatch(new RegExp(`warning: account ${D} cannot be read now .*nothing is deleted from the repositories it can pull from \\(fluentd\\)`));
  });

  it('applies a task event forwarded from member B in B\'s scope, and refuses one from an account the config does not name', async () => {
    const org = organisation();
    const w = await world(org);
    expect((await cli(org, at(1), 'reconcile', '--ledger', w.ledger, '--config', w.config)).code).toBe(0);
    const forwarded = (account: string, id: string) => JSON.parse(JSON.stringify(rawSample('ecs-task-state-change-running'))
      .replaceAll('111122223333', account).replaceAll('us-west-2', REGION)
      .replaceAll('"id":"3317b2af-7005-947d-b652-f55e762e571a"', `"id":"${id}"`)
      .replace(/"image":"[^"]*","imageDigest":"[^"]*"/, `"image":"${registry}/fluentd:zzzz","imageDigest":"${digest('fluentd-zzzz')}"`)
      .replace(/"taskDefinitionArn":"[^"]*"/, `"taskDefinitionArn":"arn:aws:ecs:${REGION}:${account}:task-definition/app:5"`));
    const file = join(w.dir, 'events.jsonl');
    await writeFile(file, [forwarded(B, 'from-b'), forwarded(E, 'from-e')].map((e) => JSON.stringify(e)).join('\n'));
    const ingested = await cli(org, at(1), 'ingest', file, '--ledger', w.ledger, '--config', w.config, '--output', 'json');
    expect(ingested.code).toBe(5);
    expect(ingested.json()).toMatchObject({ applied: 1, skipped: [{ where: `${file}:2`, message: `event from-e: refused: account ${E}, region ${REGION} is not an account and region the organisation config names; nothing was written` }] });
    const who = (await cli(org, at(1), 'who-uses', `${registry}/fluentd@${digest('fluentd-zzzz')}`, '--ledger', w.ledger, '--config', w.config, '--output', 'json')).json();
    expect(who.images[0].referrers).toEqual([expect.objectContaining({ kind: 'ecs-task', account: B, region: REGION, protecting: true })]);
    const scopes = (await cli(org, at(1), 'who-uses', `${registry}/fluentd@${digest('fluentd-zzzz')}`, '--ledger', w.ledger, '--scope', `${E}/${REGION}`)).code;
    expect(scopes).toBe(3);
  });
});
