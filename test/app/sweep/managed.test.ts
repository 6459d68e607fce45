import { afterEach, describe, expect, it } from 'vitest';
import { managedRepositories } from '../../../src/domain/managed-repositories.js';
import { day, SCOPE, SweepWorld } from '../../fixtures/sweep-world.js';

/** The deployed stack may delete only in its managedRepositories (issue 21, point 2). */
let world: SweepWorld;
afterEach(async () => world?.close());

async function twoTeams() {
  world = await SweepWorld.start();
  world.image('team-a/api', 'a-old');
  world.image('team-b/api', 'b-old');
  await world.ready();
}

describe('the sweep and the stack\'s managedRepositories', () => {
  it('plans deletions only in the managed repositories and names the others (notManaged), asking IAM for nothing outside', async () => {
    await twoTeams();
    world.account.ecr.deleteDenied.add('team-b/api'); // what IAM would say, had the sweep asked
    const managed = managedRepositories(`arn:aws:ecr:${SCOPE.region}:${SCOPE.accountId}:repository/team-a/*`);
    const report = await world.sweep(day(3), false, 'managed', { managed });
    expect(report.images.map((i) => i.repositoryName)).toEqual(['team-a/api']);
    expect(report.notManaged).toEqual(['team-b/api']);
    expect(report.failures).toEqual([]);
    expect(report.warnings).toContain("the config selects team-b/api, outside the stack's managedRepositories: nothing is deleted there (add them to managedRepositories, or narrow the config's repositories)");
    expect(world.account.ecr.deleted.filter((d) => d.startsWith('team-b/'))).toEqual([]);
  });

  it('an AccessDenied on one repository fails its images (audited with the code), and the run goes on', async () => {
    await twoTeams();
    world.account.ecr.deleteDenied.add('team-a/api');
    const report = await world.sweep(day(3), false, 'denied');
    expect(report.images.map((i) => i.repositoryName)).toEqual(['team-b/api']);
    expect(report.failures).toEqual([expect.objectContaining({ repositoryName: 'team-a/api', code: 'AccessDeniedException' })]);
    const audit = await world.ledger.sweep.audit(SCOPE, { now: day(3).toISOString() });
    expect(audit.find((r) => r.repositoryName === 'team-a/api')).toMatchObject({ status: 'failed', failure: { code: 'AccessDeniedException' } });
  });

  it('reads the ARN list as IAM does, and refuses one it cannot read', () => {
    const managed = managedRepositories('arn:aws:ecr:us-east-1:123456789012:repository/team-a/*, arn:aws:ecr:*:123456789012:repository/shared?');
    expect(managed({ accountId: '123456789012', region: 'us-east-1' }, 'team-a/api/v2')).toBe(true);
    expect(managed({ accountId: '123456789012', region: 'eu-west-1' }, 'team-a/api')).toBe(false);
    expect(managed({ accountId: '123456789012', region: 'eu-west-1' }, 'shared1')).toBe(true);
    expect(managed({ accountId: '999999999999', region: 'us-east-1' }, 'team-a/api')).toBe(false);
    expect(() => managedRepositories('team-a/*')).toThrow('managedRepositories: team-a/* is not an ECR repository ARN');
    expect(() => managedRepositories(' , ')).toThrow('managedRepositories is empty');
  });
});
