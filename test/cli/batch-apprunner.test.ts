import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAt } from '../support/cli.js';
import { pictureAt } from '../support/picture.js';
import { FakeAccount } from '../fakes/fake-account.js';
import { cloudTrailEvent } from '../fixtures/events/cloudtrail.js';

const EXAMPLE = 'examples/account.json';
const CONFIG = 'examples/config.yaml';
const HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';

const cli = (account: FakeAccount, at: string, ...argv: string[]) => runAt(at, argv, { account });

/** The example account where an AWS Batch job definition (EKS properties) and an App Runner service run images nothing else names. */
async function account(): Promise<{ a: FakeAccount; job: string; service: string }> {
  const a = FakeAccount.fromSnapshot(JSON.parse(await readFile(EXAMPLE, 'utf8')));
  const job = a.batch.register('nightly-etl', 3, undefined, { type: 'container', eksProperties: { podProperties: { containers: [{ name: 'etl', image: `${HOST}/checkout:r3` }], initContainers: [{ name: 'migrate', image: `${HOST}/checkout:r2` }] } } });
  a.batch.register('retired', 1, `${HOST}/checkout:r1`, {}, 'INACTIVE');
  const service = a.apprunner.add('storefront', `${HOST}/payments:2.1`);
  return { a, job, service };
}

const decision = (plan: { images: Array<{ repositoryName: string; imageTags: string[]; action: string; referrers: Array<{ kind: string; id: string; protecting: boolean }> }> }, repo: string, tag: string) =>
  plan.images.find((i) => i.repositoryName === repo && i.imageTags.includes(tag))!;

describe('AWS Batch and App Runner consumers', () => {
  it('reconcile reads them; plan and who-uses name them by ARN; a deregistered definition protects nothing', async () => {
    const { a, job, service } = await account();
    const ledger = join(await mkdtemp(join(tmpdir(), 'ecr-ledger-consumers-')), 'ledger');
    const reconciled = await cli(a, '2026-11-10T06:00:00Z', 'reconcile', '--ledger', ledger, '--quiet', '--output', 'json');
    expect(reconciled.code).toBe(0);
    expect(reconciled.json().calls).toMatchObject({ 'batch:DescribeJobDefinitions': 1, 'apprunner:ListServices': 1, 'apprunner:DescribeService': 1 });
    const plan = (await cli(a, '2026-11-20T00:00:00Z', 'plan', '--ledger', ledger, '--config', CONFIG, '--now', '2026-11-20T00:00:00Z', '--output', 'json')).json();
    expect(decision(plan, 'checkout', 'r3').action).toBe('keep');
    expect(decision(plan, 'checkout', 'r3').referrers.filter((r) => r.protecting)).toEqual([expect.objectContaining({ kind: 'batch-job-definition', id: job })]);
    expect(decision(plan, 'checkout', 'r2')).toMatchObject({ action: 'keep' });
    expect(decision(plan, 'payments', '2.1').referrers.filter((r) => r.protecting)).toEqual([expect.objectContaining({ kind: 'apprunner-service', id: service })]);
    expect(decision(plan, 'checkout', 'r1').action).toBe('delete');
    const who = (await cli(a, '2026-11-20T00:00:00Z', 'who-uses', 'checkout:r2', '--ledger', ledger, '--output', 'json')).json();
    expect(who.images[0].referrers.filter((r: { protecting: boolean }) => r.protecting)).toEqual([expect.objectContaining({ kind: 'batch-job-definition', id: job, reason: 'nightly-etl:3 (ACTIVE) container init migrate names it by tag r2, which points to it now' })]);
  });

  it('the sweep\'s live check reads them: a job definition registered after the reconcile protects its image', async () => {
    const { a } = await account();
    const ledger = join(await mkdtemp(join(tmpdir(), 'ecr-ledger-consumers-')), 'ledger');
    expect((await cli(a, '2026-11-10T12:00:00Z', 'reconcile', '--snapshot', EXAMPLE, '--config', CONFIG, '--ledger', ledger, '--now', '2026-11-10T12:00:00Z')).code).toBe(0);
    expect((await cli(a, '2026-11-19T12:00:00Z', 'reconcile', '--snapshot', await pictureAt(EXAMPLE, '2026-11-19T12:00:00Z'), '--config', CONFIG, '--ledger', ledger, '--now', '2026-11-19T12:00:00Z')).code).toBe(0);
    a.batch.register('backfill', 1, `${HOST}/checkout:r4`);
    const swept = (await cli(a, '2026-11-20T00:00:00Z', 'sweep', '--ledger', ledger, '--config', CONFIG, '--force', '--output', 'json')).json();
    const gone = swept.images.map((i: { repositoryName: string; imageTags: string[] }) => `${i.repositoryName}:${i.imageTags[0]}`);
    for (const kept of ['checkout:r4', 'checkout:r3', 'checkout:r2', 'payments:2.1']) expect(gone).not.toContain(kept);
    expect(gone).toContain('checkout:r1');
  });

  it('follows RegisterJobDefinition, DeregisterJobDefinition and App Runner CreateService / DeleteService from CloudTrail', async () => {
    const { a } = await account();
    const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-consumers-'));
    const ledger = join(dir, 'ledger');
    expect((await cli(a, '2026-11-19T12:00:00Z', 'reconcile', '--snapshot', EXAMPLE, '--config', CONFIG, '--ledger', ledger, '--now', '2026-11-19T12:00:00Z')).code).toBe(0);
    const jobArn = 'arn:aws:batch:us-east-1:123456789012:job-definition/report:7';
    const serviceArn = 'arn:aws:apprunner:us-east-1:123456789012:service/shop/0123456789abcdef';
    const events = [
      cloudTrailEvent('batch', 'RegisterJobDefinition', { requestParameters: { jobDefinitionName: 'report', type: 'container', containerProperties: { image: `${HOST}/checkout:r5`, vcpus: 1, memory: 2048 } }, responseElements: { jobDefinitionName: 'report', jobDefinitionArn: jobArn, revision: 7 }, time: '2026-11-19T13:00:00Z' }),
      cloudTrailEvent('apprunner', 'CreateService', { requestParameters: { serviceName: 'shop' }, responseElements: { service: { serviceArn, serviceName: 'shop', status: 'OPERATION_IN_PROGRESS', sourceConfiguration: { imageRepository: { imageIdentifier: `${HOST}/checkout:r6`, imageRepositoryType: 'ECR' } } }, operationId: 'op-1' }, time: '2026-11-19T13:00:00Z' }),
    ];
    await writeFile(join(dir, 'events.json'), JSON.stringify(events));
    expect((await cli(a, '2026-11-19T13:00:00Z', 'ingest', join(dir, 'events.json'), '--ledger', ledger, '--offline', '--output', 'json')).json()).toMatchObject({ applied: 2, skipped: [] });
    const protectingKinds = async (tag: string) => (await cli(a, '2026-11-19T14:00:00Z', 'who-uses', `checkout:${tag}`, '--ledger', ledger, '--output', 'json')).json().images[0].referrers.filter((r: { protecting: boolean }) => r.protecting).map((r: { kind: string; id: string }) => `${r.kind} ${r.id}`);
    expect(await protectingKinds('r5')).toEqual([`batch-job-definition ${jobArn}`]);
    expect(await protectingKinds('r6')).toEqual([`apprunner-service ${serviceArn}`]);

    const later = [
      cloudTrailEvent('batch', 'DeregisterJobDefinition', { requestParameters: { jobDefinition: 'report:7' }, responseElements: null, time: '2026-11-19T15:00:00Z' }),
      cloudTrailEvent('apprunner', 'DeleteService', { requestParameters: { serviceArn }, responseElements: { service: { serviceArn, serviceName: 'shop', status: 'OPERATION_IN_PROGRESS' } }, time: '2026-11-19T15:00:00Z' }),
    ];
    await writeFile(join(dir, 'later.json'), JSON.stringify(later));
    expect((await cli(a, '2026-11-19T15:00:00Z', 'ingest', join(dir, 'later.json'), '--ledger', ledger, '--offline', '--output', 'json')).json()).toMatchObject({ applied: 2, skipped: [] });
    expect(await protectingKinds('r5')).toEqual([]);
    expect(await protectingKinds('r6')).toEqual([]);
    // Released at the event time: the grace period counts from then.
    const explained = (await cli(a, '2026-11-20T00:00:00Z', 'explain', 'checkout:r5', '--ledger', ledger, '--config', CONFIG, '--now', '2026-11-20T00:00:00Z', '--output', 'json')).json();
    expect(explained.images[0].unreferencedSince).toEqual({ at: '2026-11-19T15:00:00.000Z', source: 'ledger' });
  });
});
