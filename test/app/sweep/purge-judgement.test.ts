import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AwsCaller } from '../../../src/adapters/aws/caller.js';
import { LiveSweepAws } from '../../../src/adapters/aws/sweep-aws.js';
import { purgeRepository } from '../../../src/app/sweep/purge.js';
import { parseConfig } from '../../../src/config.js';
import { RefusedError } from '../../../src/errors.js';
import { digest } from '../../fixtures/account-builder.js';
import { FakeAccount } from '../../fakes/fake-account.js';
import { runAt } from '../../support/cli.js';

/**
 * purge-repository is a sweep of one repository (issue 30, points 1, 5, 6): the scope's region, the ledger's
 * time-based protection, and the account's other regions. The oracle is what the fake ECR still holds.
 */
const A = '123456789012';
const EAST = 'us-east-1';
const WEST = 'us-west-2';
const NOW = '2026-11-20T00:00:00Z';
const add = (a: FakeAccount, region: string, name: string) => {
  const ecr = a.in(region).ecr;
  if (!ecr.hasRepository('stack-repo')) ecr.addRepository('stack-repo');
  ecr.addImage('stack-repo', { imageDigest: digest(name), imageTags: [name], imagePushedAt: new Date('2026-10-01T00:00:00Z'), imageSizeInBytes: 1 });
};
const ledgerDir = async () => join(await mkdtemp(join(tmpdir(), 'ecr-ledger-purge-')), 'ledger');

describe('purge-repository acts in the scope it judges', () => {
  it('--scope ACCOUNT/OTHER-REGION purges that region\'s repository, never the default region\'s (with its pinned image)', async () => {
    const a = new FakeAccount(A, EAST);
    a.enabledRegions = [EAST, WEST];
    add(a, EAST, 'east-pinned');
    add(a, WEST, 'west-1');
    const ledger = await ledgerDir();
    for (const region of [EAST, WEST]) expect((await runAt(NOW, ['reconcile', '--ledger', ledger, '--region', region, '--quiet'], { account: a })).code).toBe(0);
    expect((await runAt(NOW, ['pin', `stack-repo@${digest('east-pinned')}`, '--reason', 'the east job', '--ledger', ledger, '--scope', `${A}/${EAST}`], { account: a })).code).toBe(0);
    const purged = await runAt(NOW, ['purge-repository', 'stack-repo', '--ledger', ledger, '--scope', `${A}/${WEST}`, '--force'], { account: a });
    expect(purged.code).toBe(0);
    expect(a.in(WEST).ecr.hasImage('stack-repo', digest('west-1'))).toBe(false);
    expect(a.in(EAST).ecr.hasImage('stack-repo', digest('east-pinned'))).toBe(true);
  });

  it('credentials whose clients call another region than the scope\'s are refused before anything is read', async () => {
    const a = new FakeAccount(A, EAST);
    add(a, EAST, 'east-1');
    const config = parseConfig({});
    const aws = new LiveSweepAws(a.clientsIn(EAST), new AwsCaller({ sleep: async () => undefined }), { accountId: A, region: WEST }, config, () => new Date(NOW));
    await expect(purgeRepository({ aws, config, clock: () => new Date(NOW), probe: async () => ({ accountId: A, probedAt: NOW, regions: [] }) }, { accountId: A, region: WEST }, 'stack-repo', { dryRun: false, runId: 'p' }))
      .rejects.toThrow(`the ECR calls would go to ${EAST}, but the purge is of ${A}/${WEST}`);
    expect(a.in(EAST).ecr.hasImage('stack-repo', digest('east-1'))).toBe(true);
  });
});

describe('purge-repository honours time-based protection', () => {
  it('a task that stopped two hours ago (ECS has forgotten it) refuses the purge; a day and grace later it goes', async () => {
    const a = new FakeAccount(A, EAST);
    add(a, EAST, 'job');
    const image = `${A}.dkr.ecr.${EAST}.amazonaws.com/stack-repo:job`;
    const td = a.ecs.addTaskDefinition('job', 1, { main: image }, 'INACTIVE');
    a.ecs.addTask('batch', { taskArn: `arn:aws:ecs:${EAST}:${A}:task/batch/1`, taskDefinitionArn: td, lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stoppedAt: new Date('2026-11-19T22:00:00Z'), containers: [{ name: 'main', image, imageDigest: digest('job') }] } as never);
    const ledger = await ledgerDir();
    expect((await runAt('2026-11-19T22:30:00Z', ['reconcile', '--ledger', ledger, '--quiet'], { account: a })).code).toBe(0);
    a.ecs.clusters.get(a.ecs.clusterArn('batch'))!.tasks.clear(); // ECS lists a stopped task for about an hour
    const refused = await runAt(NOW, ['purge-repository', 'stack-repo', '--ledger', ledger, '--force'], { account: a });
    expect(refused.code).toBe(4);
    expect(refused.err).toContain(`stack-repo@${digest('job')} [job]: protected until 2026-11-20T22:00:00.000Z (a stopped task's retention)`);
    expect(a.ecr.hasImage('stack-repo', digest('job'))).toBe(true);
    // After the retention and graceDays (7 by default) it may go.
    expect((await runAt('2026-11-28T00:00:00Z', ['reconcile', '--ledger', ledger, '--quiet'], { account: a })).code).toBe(0);
    const later = await runAt('2026-11-28T00:00:00Z', ['purge-repository', 'stack-repo', '--ledger', ledger, '--force'], { account: a });
    expect(later.code).toBe(0);
    expect(a.ecr.hasImage('stack-repo', digest('job'))).toBe(false);
  });

  it('a use that ended within graceDays (a released image) refuses the purge, naming when', async () => {
    const a = new FakeAccount(A, EAST);
    add(a, EAST, 'old');
    const ledger = await ledgerDir();
    expect((await runAt('2026-11-18T00:00:00Z', ['reconcile', '--ledger', ledger, '--quiet'], { account: a })).code).toBe(0);
    expect((await runAt('2026-11-18T00:00:00Z', ['pin', `stack-repo@${digest('old')}`, '--reason', 'kept a while', '--ledger', ledger], { account: a })).code).toBe(0);
    expect((await runAt('2026-11-19T00:00:00Z', ['unpin', `stack-repo@${digest('old')}`, '--ledger', ledger], { account: a })).code).toBe(0);
    const refused = await runAt(NOW, ['purge-repository', 'stack-repo', '--ledger', ledger, '--force'], { account: a });
    expect(refused.code).toBe(4);
    expect(refused.err).toContain('its last use ended 2026-11-19T00:00:00.000Z, within graceDays (7)');
    expect(a.ecr.hasImage('stack-repo', digest('old'))).toBe(true);
  });
});

describe('purge-repository without a ledger reads the account\'s regions live', () => {
  it('a task of the same account in another region running one of its images refuses the purge', async () => {
    const a = new FakeAccount(A, EAST);
    a.enabledRegions = [EAST, WEST];
    add(a, EAST, 'shared');
    const image = `${A}.dkr.ecr.${EAST}.amazonaws.com/stack-repo:shared`;
    const west = a.in(WEST);
    const td = west.ecs.addTaskDefinition('west-job', 1, { main: image });
    west.ecs.addCluster('west');
    west.ecs.addTask('west', { taskArn: `arn:aws:ecs:${WEST}:${A}:task/west/1`, taskDefinitionArn: td, lastStatus: 'RUNNING', desiredStatus: 'RUNNING', containers: [{ name: 'main', image, imageDigest: digest('shared') }] } as never);
    const refused = await runAt(NOW, ['purge-repository', 'stack-repo', '--region', EAST, '--force'], { account: a });
    expect(refused.code).toBe(4);
    expect(refused.err).toContain(`${A}/${WEST}`);
    expect(a.ecr.hasImage('stack-repo', digest('shared'))).toBe(true);
  });

  it('when the account\'s regions cannot be listed, it refuses with exit 5 naming what it could not read', async () => {
    const a = new FakeAccount(A, EAST);
    add(a, EAST, 'one');
    a.faults.deny('account:ListRegions');
    const refused = await runAt(NOW, ['purge-repository', 'stack-repo', '--region', EAST, '--force'], { account: a });
    expect(refused.code).toBe(5);
    expect(refused.err).toContain(`the regions of ${A} where workloads could pull from it cannot be read`);
    expect(a.ecr.hasImage('stack-repo', digest('one'))).toBe(true);
  });

  it('refuses when no probe can be made at all (the use case without a ledger or a probe)', async () => {
    const a = new FakeAccount(A, EAST);
    add(a, EAST, 'one');
    const config = parseConfig({});
    const aws = new LiveSweepAws(a.clients(), new AwsCaller({ sleep: async () => undefined }), { accountId: A, region: EAST }, config, () => new Date(NOW));
    await expect(purgeRepository({ aws, config, clock: () => new Date(NOW) }, { accountId: A, region: EAST }, 'stack-repo', { dryRun: false, runId: 'p' })).rejects.toThrow(RefusedError);
    expect(a.ecr.hasImage('stack-repo', digest('one'))).toBe(true);
  });
});
