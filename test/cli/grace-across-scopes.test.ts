import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { at, cli, D, organisation, registry, world } from '../fixtures/organisation/central-registry.js';
import { A, B, C, REGION } from '../fixtures/organisation/sidecar-accounts.js';
import type { FakeAccount } from '../fakes/fake-account.js';

/** Grace counts from the last use in any scope (issue 20, point 4): a member's use of a central image restarts it. */
const IMAGE = `${registry}/fluentd:zzzz`;
const TASK = `arn:aws:ecs:${REGION}:${B}:task/jobs/0001`;

function startUsing(member: FakeAccount): void {
  const td = member.ecs.addTaskDefinition('oneoff', 1, { job: IMAGE });
  member.ecs.addTask('jobs', { taskArn: TASK, taskDefinitionArn: td, lastStatus: 'RUNNING', desiredStatus: 'RUNNING', containers: [{ name: 'job', image: IMAGE }] } as never);
}

/** The one-off is done: its task is gone from ECS and its definition deregistered. */
function stopUsing(member: FakeAccount): void {
  member.ecs.addTaskDefinition('oneoff', 1, { job: IMAGE }, 'INACTIVE');
  member.ecs.clusters.get(member.ecs.clusterArn('jobs'))!.tasks.delete(TASK);
}

async function graceWorld() {
  const org = organisation();
  const w = await world(org);
  await writeFile(w.config, [
    'repositories:', '  - pattern: "*"', '    keepLatest: 1', '    olderThanDays: 7', '    graceDays: 7', '    keepTags: []', '    keepPulledWithinDays: 0', '    keepIfSharedWithOtherAccounts: true',
    'sweep:', '  minimumImageAgeHours: 0',
    'organization:', '  accounts:', ...[B, C, D].flatMap((id) => [`    - id: "${id}"`, `      regions: [${REGION}]`]),
  ].join('\n'));
  const reconcile = async (day: number) => expect((await cli(org, at(day), 'reconcile', '--ledger', w.ledger, '--config', w.config, '--quiet')).code).toBe(0);
  const sweep = async (day: number) => {
    const report = (await cli(org, at(day), 'sweep', '--ledger', w.ledger, '--scope', `${A}/${REGION}`, '--config', w.config, '--force', '--output', 'json')).json();
    return report.images.map((i: { repositoryName: string; imageTags: string[] }) => `${i.repositoryName}:${i.imageTags.join(',')}`);
  };
  const explain = async (day: number) => (await cli(org, at(day), 'explain', IMAGE, '--ledger', w.ledger, '--config', w.config, '--now', at(day).toISOString(), '--output', 'json')).json();
  return { org, w, member: org.accounts.get(B)!, reconcile, sweep, explain };
}

describe('grace counts from the last use in any scope', () => {
  it('a member\'s use of a central image that ended restarts its grace, though the registry never used it itself', async () => {
    const g = await graceWorld();
    await g.reconcile(0); // unused anywhere: unreferenced since day 0
    startUsing(g.member);
    await g.reconcile(10); // the registry is reconciled first, then B: the ledger learns of B's use
    stopUsing(g.member);
    await g.reconcile(11); // B's reconcile sees its use gone: it stamps the image's release in the registry (day 11)
    await g.reconcile(12);
    const explained = await g.explain(13);
    expect(explained.images[0].action).toBe('keep');
    // Its task vanished between two reads (stopped at an unknown time): protected for stoppedTaskRetentionHours from the read (issue 29, point 1).
    expect(explained.images[0].unreferencedSince).toEqual({ at: at(12).toISOString(), source: 'ledger' });
    expect(await g.sweep(13)).not.toContain('fluentd:zzzz');
    await g.reconcile(19);
    expect(await g.sweep(20)).toContain('fluentd:zzzz'); // eight days after the retention of the last use ended
  });
});
