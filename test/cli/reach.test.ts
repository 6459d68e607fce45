import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { digest } from '../fixtures/account-builder.js';
import { at, cli, D, organisation, pullPolicy, registry, world } from '../fixtures/organisation/central-registry.js';
import { A, B, C, REGION } from '../fixtures/organisation/sidecar-accounts.js';

const WEST = 'us-west-2';
const ORG = 'o-abcdefghij';
const sweepA = (org: ReturnType<typeof organisation>, w: { ledger: string; config: string }, when: Date) =>
  cli(org, when, 'sweep', '--ledger', w.ledger, '--scope', `${A}/${REGION}`, '--config', w.config, '--force', '--output', 'json');
const swept = (report: { images: Array<{ repositoryName: string; imageTags: string[] }> }) => report.images.map((i) => `${i.repositoryName}:${i.imageTags.join(',')}`).sort();

/** A snapshot of account A in us-west-2 whose task runs `image` (a replica, or a cross-region pull). */
async function westSnapshot(dir: string, image: string, capturedAt: Date): Promise<string> {
  const file = join(dir, `west-${capturedAt.getTime()}.json`);
  const taskDefinitionArn = `arn:aws:ecs:${WEST}:${A}:task-definition/nightly:1`;
  await writeFile(file, JSON.stringify({
    schemaVersion: 1, accountId: A, region: WEST, capturedAt: capturedAt.toISOString(),
    ecs: {
      taskDefinitions: [{ taskDefinitionArn, family: 'nightly', revision: 1, status: 'ACTIVE', containerDefinitions: [{ name: 'job', image }] }],
      tasks: [{ taskArn: `arn:aws:ecs:${WEST}:${A}:task/jobs/77`, clusterArn: `arn:aws:ecs:${WEST}:${A}:cluster/jobs`, taskDefinitionArn, lastStatus: 'RUNNING', desiredStatus: 'RUNNING', containers: [{ name: 'job', image, imageDigest: digest('fluentd-zzzz') }] }],
    },
  }));
  return file;
}

describe('the reach of a deletion: every scope a deletion can touch is read live, held fresh, or keeps the repository', () => {
  it('a member\'s task that stopped since the reconcile (ECS no longer lists it) keeps protecting its image in the organisation sweep', async () => {
    const org = organisation();
    const w = await world(org);
    const member = org.accounts.get(C)!;
    const job = member.ecs.addTaskDefinition('nightly', 1, { nightly: `${registry}/fluentd:zzzz` });
    member.ecs.addTask('batch', { taskArn: `arn:aws:ecs:${REGION}:${C}:task/batch/2300`, taskDefinitionArn: job, lastStatus: 'RUNNING', desiredStatus: 'RUNNING', containers: [{ name: 'nightly', image: `${registry}/fluentd:zzzz`, imageDigest: digest('fluentd-zzzz') }] } as never);
    expect((await cli(org, at(1), 'reconcile', '--ledger', w.ledger, '--config', w.config)).code).toBe(0);
    // The task stops and an hour later ECS lists it no more; the family is deregistered too, so nothing live names zzzz.
    member.ecs.clusters.get(member.ecs.clusterArn('batch'))!.tasks.delete(`arn:aws:ecs:${REGION}:${C}:task/batch/2300`);
    for (const td of member.ecs.taskDefinitions.values()) if (td.family === 'nightly') td.status = 'INACTIVE';
    const report = (await sweepA(org, w, new Date(at(1).getTime() + 4 * 3_600_000))).json();
    expect(swept(report)).not.toContain('fluentd:zzzz');
    expect(org.accounts.get(A)!.ecr.deleted).not.toContain(`fluentd@${digest('fluentd-zzzz')}`);
    expect(swept(report)).toContain('tools:old');
  });

  it('replication with deleteReplication: a destination the ledger does not hold keeps the repository whole and is named', async () => {
    const org = organisation();
    const w = await world(org);
    org.accounts.get(A)!.ecr.replicationRules = [{ destinations: [{ region: WEST, registryId: A }], repositoryFilters: [{ filter: 'flu', filterType: 'PREFIX_MATCH' }], deleteReplication: { enabled: true } }];
    expect((await cli(org, at(1), 'reconcile', '--ledger', w.ledger, '--config', w.config)).code).toBe(0);
    const result = await sweepA(org, w, at(1));
    const report = result.json();
    expect(swept(report).filter((i) => i.startsWith('fluentd:'))).toEqual([]);
    expect(swept(report)).toContain('tools:old');
    expect(report.unreadableScopes).toEqual([{ account: A, region: WEST, why: 'the ledger does not hold it' }]);
    expect(report.warnings).toContain(`fluentd kept: a deletion reaches ${A}/${WEST}: the ledger does not hold it`);
    const explained = await cli(org, at(1), 'explain', `${registry}/fluentd:zzzz`, '--ledger', w.ledger, '--config', w.config, '--now', at(1).toISOString());
    expect(explained.out).toContain(`A deletion reaches:\n  - ${A}/${REGION}: the registry itself; held fresh in the ledger`);
    expect(explained.out).toContain(`  - ${A}/${WEST}: a deletion replicates to ${A}/${WEST} (replication rule with deleteReplication); cannot be judged: the ledger does not hold it`);
    const json = (await cli(org, at(1), 'explain', `${registry}/fluentd:zzzz`, '--ledger', w.ledger, '--config', w.config, '--now', at(1).toISOString(), '--output', 'json')).json();
    expect(json.images[0].reach.scopes).toContainEqual({ account: A, region: WEST, via: 'replication', because: `a deletion replicates to ${A}/${WEST} (replication rule with deleteReplication)`, judged: 'unreadable', why: 'the ledger does not hold it' });
  });

  it('replication with deleteReplication: the replica\'s users count for the source image; a stale destination keeps the repository whole', async () => {
    const org = organisation();
    const w = await world(org);
    org.accounts.get(A)!.ecr.replicationRules = [{ destinations: [{ region: WEST, registryId: A }], deleteReplication: { enabled: true } }];
    expect((await cli(org, at(1), 'reconcile', '--ledger', w.ledger, '--config', w.config)).code).toBe(0);
    const replica = `${A}.dkr.ecr.${WEST}.amazonaws.com/fluentd@${digest('fluentd-zzzz')}`;
    expect((await cli(org, at(1), 'reconcile', '--snapshot', await westSnapshot(w.dir, replica, at(1)), '--ledger', w.ledger, '--config', w.config, '--now', at(1).toISOString())).code).toBe(0);
    const report = (await sweepA(org, w, at(1))).json();
    expect(swept(report)).not.toContain('fluentd:zzzz');
    expect(swept(report)).toContain('tools:old');
    // who-uses of the source lists the replica's users, marked
    const who = (await cli(org, at(1), 'who-uses', `${registry}/fluentd:zzzz`, '--ledger', w.ledger, '--config', w.config, '--output', 'json')).json();
    expect(who.images[0].referrers).toContainEqual(expect.objectContaining({ kind: 'ecs-task', account: A, region: WEST, protecting: true, viaReplication: true }));
    const text = (await cli(org, at(1), 'who-uses', `${registry}/fluentd:zzzz`, '--ledger', w.ledger, '--config', w.config)).out;
    expect(text).toContain(`PROTECTS  ecs-task  arn:aws:ecs:${WEST}:${A}:task/jobs/77  (uses the replica in ${A}/${WEST})`);

    // Three days on, the destination was not reconciled again: it cannot be judged, so fluentd is kept whole.
    const later = await world(org);
    expect((await cli(org, at(1), 'reconcile', '--snapshot', await westSnapshot(later.dir, replica, at(-2)), '--ledger', later.ledger, '--config', later.config, '--now', at(-2).toISOString())).code).toBe(0);
    expect((await cli(org, at(1), 'reconcile', '--ledger', later.ledger, '--config', later.config)).code).toBe(0);
    const stale = (await sweepA(org, later, at(1))).json();
    expect(swept(stale).filter((i) => i.startsWith('fluentd:'))).toEqual([]);
    expect(stale.unreadableScopes).toEqual([{ account: A, region: WEST, why: expect.stringContaining('more than maxLedgerAgeHours') }]);
  });

  it('an old snapshot loaded now is as old as its picture: stale, said on stderr, and the scope keeps the repository whole (issue 30, point 3)', async () => {
    const org = organisation();
    const w = await world(org);
    org.accounts.get(A)!.ecr.replicationRules = [{ destinations: [{ region: WEST, registryId: A }], deleteReplication: { enabled: true } }];
    expect((await cli(org, at(1), 'reconcile', '--ledger', w.ledger, '--config', w.config)).code).toBe(0);
    // A picture of the destination captured ten days ago, loaded today: whatever it ran since, the picture cannot say.
    const old = await westSnapshot(w.dir, `${A}.dkr.ecr.${WEST}.amazonaws.com/other:1`, at(-9));
    const loaded = await cli(org, at(1), 'reconcile', '--snapshot', old, '--ledger', w.ledger, '--config', w.config);
    expect(loaded.code).toBe(0);
    expect(loaded.err).toContain(`warning: ${A}/${WEST} from ${old} is loaded but stale: its picture was captured ${at(-9).toISOString()}`);
    const report = (await sweepA(org, w, at(1))).json();
    expect(swept(report).filter((i) => i.startsWith('fluentd:'))).toEqual([]);
    expect(org.accounts.get(A)!.ecr.deleted).not.toContain(`fluentd@${digest('fluentd-zzzz')}`);
    expect(report.unreadableScopes).toEqual([{ account: A, region: WEST, why: expect.stringContaining(`its picture was captured ${at(-9).toISOString()}`) }]);
  });

  it('scope.ignoreRegions never waives a member\'s region: C\'s task there keeps its image, and config check says so (issue 30, point 4)', async () => {
    const org = organisation();
    const w = await world(org);
    // C also works in a region the config does not list: the region probe finds it, and the warning says "reconcile
    // it, or list it in scope.ignoreRegions". The operator lists it, meaning the registry account's unrelated cluster there.
    org.accounts.get(C)!.enabledRegions = [REGION, WEST];
    org.accounts.get(A)!.enabledRegions = [REGION, WEST];
    org.accounts.get(A)!.in(WEST).ecs.addCluster('unrelated');
    await writeFile(w.config, `${await readFile(w.config, 'utf8')}\nscope:\n  ignoreRegions: [${WEST}]\n`);
    const member = org.accounts.get(C)!.in(WEST);
    const image = `${registry}/fluentd:zzzz`;
    const td = member.ecs.addTaskDefinition('west-job', 1, { job: image });
    member.ecs.addCluster('west');
    member.ecs.addTask('west', { taskArn: `arn:aws:ecs:${WEST}:${C}:task/west/1`, taskDefinitionArn: td, lastStatus: 'RUNNING', desiredStatus: 'RUNNING', containers: [{ name: 'job', image, imageDigest: digest('fluentd-zzzz') }] } as never);
    expect((await cli(org, at(1), 'reconcile', '--ledger', w.ledger, '--config', w.config)).code).toBe(0);
    const report = (await sweepA(org, w, at(1))).json();
    expect(swept(report)).not.toContain('fluentd:zzzz');
    expect(org.accounts.get(A)!.ecr.deleted).not.toContain(`fluentd@${digest('fluentd-zzzz')}`);
    expect(report.unreadableScopes).toContainEqual(expect.objectContaining({ account: C, region: WEST }));

    // A region the config lists for a member is never ignored, and config check says so.
    const listed = (await readFile(w.config, 'utf8')).replace(`    - id: "${C}"\n      regions: [${REGION}]`, `    - id: "${C}"\n      regions: [${REGION}, ${WEST}]`);
    await writeFile(w.config, listed);
    const checked = await cli(org, at(1), 'config', 'check', w.config);
    expect(checked.out).toContain(`warning: scope.ignoreRegions lists ${WEST}, a region of member account(s) ${C}: it is ignored only for the registry account's own probed regions`);
  });

  it('an organisation grant (aws:PrincipalOrgID) is judged by the organisation\'s accounts when organization.id names it', async () => {
    const orgGrant = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: ['ecr:BatchGetImage'], Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } } }] });
    const run = async (organizationId?: string) => {
      const org = organisation();
      org.accounts.get(A)!.ecr.setPolicy('fluentd', orgGrant);
      const w = await world(org, { ...(organizationId && { organizationId }) });
      expect((await cli(org, at(1), 'reconcile', '--ledger', w.ledger, '--config', w.config)).code).toBe(0);
      return { report: (await sweepA(org, w, at(1))).json(), org };
    };
    const judged = await run(ORG);
    expect(swept(judged.report)).toEqual(['fluentd:zzzz', 'tools:old']); // ffff: C's task; the rest: B's and C's services
    const unknown = await run();
    expect(swept(unknown.report)).toEqual(['tools:old']);
  });

  it('with organization.discover, the organisation\'s id comes from DescribeOrganization: the sweep and the notice judge the grant by the discovered accounts', async () => {
    const orgGrant = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: ['ecr:BatchGetImage'], Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } } }] });
    const run = async (describes: string | undefined) => {
      const org = organisation();
      if (describes) org.organizationId = describes;
      org.accounts.get(A)!.ecr.setPolicy('fluentd', orgGrant);
      const w = await world(org);
      await writeFile(w.config, [
        'repositories:', '  - pattern: "*"', '    keepLatest: 1', '    olderThanDays: 7', '    graceDays: 0', '    keepTags: []', '    keepPulledWithinDays: 0',
        'sweep:', '  minimumImageAgeHours: 0', 'notice:', '  daysAhead: 1', 'organization:', '  discover: true', `  regions: [${REGION}]`,
      ].join('\n'));
      const reconciled = await cli(org, at(1), 'reconcile', '--ledger', w.ledger, '--config', w.config);
      expect(reconciled.code, reconciled.err).toBe(0);
      const notice = (await cli(org, at(1), 'notice', '--ledger', w.ledger, '--scope', `${A}/${REGION}`, '--config', w.config, '--output', 'json')).json();
      const announced = notice.notice.repositories.flatMap((r: { repositoryName: string; images: Array<{ imageTags: string[] }> }) => r.images.map((i) => `${r.repositoryName}:${i.imageTags.join(',')}`)).sort();
      expect((await cli(org, at(2), 'reconcile', '--ledger', w.ledger, '--config', w.config)).code).toBe(0);
      return { announced, swept: swept((await sweepA(org, w, at(2))).json()) }; // a day after the notice
    };
    const judged = await run(ORG);
    expect(judged.announced).toEqual(['fluentd:zzzz', 'tools:old']);
    expect(judged.swept).toEqual(['fluentd:zzzz', 'tools:old']);
    const other = await run('o-zzzzzzzzzz'); // the grant names another organisation: anyone in it could pull
    expect(other.announced).toEqual(['tools:old']);
    expect(other.swept).toEqual(['tools:old']);
  });

  it('an organisation grant with a member that cannot be read keeps the repository, even with keepIfSharedWithOtherAccounts false', async () => {
    const orgGrant = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: ['ecr:BatchGetImage'], Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } } }] });
    const org = organisation();
    org.accounts.get(A)!.ecr.setPolicy('tools', orgGrant);
    org.denied.add(D);
    const w = await world(org, { organizationId: ORG, keepShared: false });
    await cli(org, at(1), 'reconcile', '--ledger', w.ledger, '--config', w.config);
    const report = (await sweepA(org, w, at(1))).json();
    expect(swept(report).filter((i) => i.startsWith('tools:'))).toEqual([]);
    expect(report.unreadableAccounts.map((u: { accountId: string }) => u.accountId)).toEqual([D]);
  });

  it('refuses (exit 4) a sweep of another account\'s scope with these credentials, before reading or deleting anything', async () => {
    const org = organisation();
    const w = await world(org);
    expect((await cli(org, at(1), 'reconcile', '--ledger', w.ledger, '--config', w.config)).code).toBe(0);
    const result = await cli(org, at(1), 'sweep', '--ledger', w.ledger, '--scope', `${B}/${REGION}`, '--config', w.config, '--force');
    expect(result.code).toBe(4);
    expect(result.err).toContain(`the credentials act for account ${A}, but the sweep is of ${B}/${REGION}`);
    for (const account of [A, B]) expect(org.accounts.get(account)!.ecr.deleted).toEqual([]);
  });

  it('refuses (exit 4) when it cannot tell which account the credentials act for, and deletes nothing', async () => {
    const org = organisation();
    const w = await world(org);
    expect((await cli(org, at(1), 'reconcile', '--ledger', w.ledger, '--config', w.config)).code).toBe(0);
    org.accounts.get(A)!.faults.deny('sts:GetCallerIdentity');
    const result = await sweepA(org, w, at(1));
    expect(result.code).toBe(4);
    expect(result.err).toContain('the sweep cannot tell which account the credentials act for');
    expect(org.accounts.get(A)!.ecr.deleted).toEqual([]);
  });

  it('deletes nothing when it cannot read where the registry replicates deletions (DescribeRegistry)', async () => {
    const org = organisation();
    const w = await world(org);
    expect((await cli(org, at(1), 'reconcile', '--ledger', w.ledger, '--config', w.config)).code).toBe(0);
    org.accounts.get(A)!.faults.deny('ecr:DescribeRegistry');
    const result = await sweepA(org, w, at(1));
    expect(result.code).not.toBe(0);
    expect(result.err).toContain('ecr:DescribeRegistry');
    expect(org.accounts.get(A)!.ecr.deleted).toEqual([]);
  });
});

describe('purge-repository judges every scope a deletion reaches', () => {
  it('refuses while a task of the same account in another region runs one of its images', async () => {
    const org = organisation();
    const w = await world(org);
    org.accounts.get(A)!.ecr.addRepository('stack-repo');
    org.accounts.get(A)!.ecr.addImage('stack-repo', { imageDigest: digest('fluentd-zzzz'), imageTags: ['v1'], imagePushedAt: at(-40), imageSizeInBytes: 1 });
    expect((await cli(org, at(1), 'reconcile', '--ledger', w.ledger, '--config', w.config)).code).toBe(0);
    const crossRegion = `${registry}/stack-repo:v1`;
    expect((await cli(org, at(1), 'reconcile', '--snapshot', await westSnapshot(w.dir, crossRegion, at(1)), '--ledger', w.ledger, '--config', w.config, '--now', at(1).toISOString())).code).toBe(0);
    const purge = await cli(org, at(1), 'purge-repository', 'stack-repo', '--ledger', w.ledger, '--scope', `${A}/${REGION}`, '--config', w.config, '--force');
    expect(purge.code).toBe(4);
    expect(purge.err).toMatch(new RegExp(`stack-repo cannot be emptied: 1 of its 1 image\\(s\\) are in use.*ecs-task arn:aws:ecs:${WEST}:${A}:task/jobs/77`));
    expect(org.accounts.get(A)!.ecr.deleted).toEqual([]);
  });

  it('refuses while another account its policy grants pull is not held fresh, naming it', async () => {
    const org = organisation();
    const w = await world(org);
    org.accounts.get(A)!.ecr.addRepository('granted', pullPolicy('999999999999'));
    org.accounts.get(A)!.ecr.addImage('granted', { imageDigest: digest('granted-1'), imageTags: ['v1'], imagePushedAt: at(-40), imageSizeInBytes: 1 });
    expect((await cli(org, at(1), 'reconcile', '--ledger', w.ledger, '--config', w.config)).code).toBe(0);
    const purge = await cli(org, at(1), 'purge-repository', 'granted', '--ledger', w.ledger, '--scope', `${A}/${REGION}`, '--config', w.config, '--force');
    expect(purge.code).toBe(4);
    expect(purge.err).toContain('a deletion reaches 999999999999/* (its repository policy allows arn:aws:iam::999999999999:root to pull): the ledger does not hold it');
    expect(org.accounts.get(A)!.ecr.deleted).toEqual([]);
  });
});
