import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { digest } from '../fixtures/account-builder.js';
import { cloudTrailEvent } from '../fixtures/events/cloudtrail.js';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const HOST = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;
const DAY = 86_400_000;
const T0 = Date.parse('2026-09-01T00:00:00Z');
const at = (days: number) => new Date(T0 + days * DAY).toISOString();
const BUILDS = ['r1', 'r2', 'r3', 'r4', 'r5'];

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), clock: () => new Date(at(60)) });
  return { code, out: out.join('\n'), err: err.join('\n'), json: () => JSON.parse(out.join('\n')) };
}

const push = (tag: string, day: number) => ({
  version: '0', id: `push-${tag}`, 'detail-type': 'ECR Image Action', source: 'aws.ecr', account: ACCOUNT, time: at(day), region: REGION, resources: [],
  detail: { result: 'SUCCESS', 'repository-name': 'api', 'image-digest': digest(`api-${tag}`), 'action-type': 'PUSH', 'image-tag': tag },
});
const taskDefinition = (revision: number) => ({
  taskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/api:${revision}`, family: 'api', revision, status: 'ACTIVE',
  containerDefinitions: [{ name: 'api', image: `${HOST}/api:${BUILDS[revision - 1]}` }],
});
const service = { serviceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/prod/api`, serviceName: 'api', clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/prod` };

/** api:5 is registered but the service still runs api:3: the window keeps r5, r4 (between), r3 (in service), r2 (rollback). */
function events() {
  return [
    ...BUILDS.map((tag, i) => push(tag, i)),
    ...BUILDS.map((_, i) => cloudTrailEvent('ecs', 'RegisterTaskDefinition', { time: at(i + 0.5), requestParameters: { family: 'api' }, responseElements: { taskDefinition: taskDefinition(i + 1) } })),
    cloudTrailEvent('ecs', 'CreateService', { time: at(1), requestParameters: { cluster: 'prod', serviceName: 'api' }, responseElements: { service: { ...service, deployments: [{ id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition: taskDefinition(1).taskDefinitionArn, rolloutState: 'COMPLETED' }], taskSets: [] } } }),
    cloudTrailEvent('ecs', 'UpdateService', { time: at(3), requestParameters: { cluster: 'prod', service: 'api' }, responseElements: { service: { ...service, deployments: [{ id: 'ecs-svc/3', status: 'PRIMARY', taskDefinition: taskDefinition(3).taskDefinitionArn, rolloutState: 'COMPLETED' }], taskSets: [] } } }),
  ];
}

function snapshot() {
  return {
    schemaVersion: 1, accountId: ACCOUNT, region: REGION, capturedAt: at(5),
    ecr: { repositories: [{ repositoryName: 'api', images: BUILDS.map((tag, i) => ({ imageDigest: digest(`api-${tag}`), imageTags: [tag], imagePushedAt: at(i) })) }] },
    ecs: { taskDefinitions: BUILDS.map((_, i) => taskDefinition(i + 1)), services: [{ ...service, deployments: [{ id: 'ecs-svc/3', status: 'PRIMARY', taskDefinition: taskDefinition(3).taskDefinitionArn, rolloutState: 'COMPLETED' }], taskSets: [] }] },
  };
}

describe('ingest --offline applies the service a CreateService/UpdateService response carries', () => {
  it('a ledger built offline from events alone plans like the snapshot of the same account', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-offline-'));
    const config = join(dir, 'config.yaml');
    await writeFile(config, 'repositories:\n  - pattern: "*"\n    keepLatest: 0\n    olderThanDays: 1\n    graceDays: 0\n    keepTags: []\n    keepPulledWithinDays: 0\n');
    await writeFile(join(dir, 'events.json'), JSON.stringify(events()));
    await writeFile(join(dir, 'snapshot.json'), JSON.stringify(snapshot()));
    const ingest = await cli('ingest', join(dir, 'events.json'), '--ledger', join(dir, 'ledger'), '--offline');
    expect(ingest.code).toBe(0);
    const decisions = (plan: { images: Array<{ imageTags: string[]; action: string }> }) => Object.fromEntries(plan.images.map((i) => [i.imageTags.join(), i.action]));
    const fromEvents = decisions((await cli('plan', '--ledger', join(dir, 'ledger'), '--config', config, '--now', at(60), '--output', 'json')).json());
    const fromSnapshot = decisions((await cli('plan', '--snapshot', join(dir, 'snapshot.json'), '--config', config, '--now', at(60), '--output', 'json')).json());
    expect(fromSnapshot).toEqual({ r1: 'delete', r2: 'keep', r3: 'keep', r4: 'keep', r5: 'keep' });
    expect(fromEvents).toEqual(fromSnapshot);
  });
});
