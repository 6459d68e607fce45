import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveAccountReader } from '../../src/adapters/aws/account-reader.js';
import { AwsCaller } from '../../src/adapters/aws/caller.js';
import { createAwsClients } from '../../src/adapters/aws/clients.js';
import { defaultConfig } from '../../src/config.js';
import { knownFacts } from '../../src/snapshot/from-facts.js';
import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { digest } from '../fixtures/account-builder.js';
import { FakeAccount } from './fake-account.js';
import { HttpCloud } from './http-cloud.js';

/** Real SDK clients over HTTP against the fake account: what a packaged bundle or a handler in its own process would see. */
describe('the fake account over HTTP (awsJson: ECR, ECS)', () => {
  const account = new FakeAccount();
  const cloud = new HttpCloud(account);
  let endpoint = '';
  const pushedAt = new Date('2026-11-01T10:00:00.500Z');
  beforeAll(async () => {
    account.ecr.addRepository('web');
    account.ecr.addImage('web', { imageDigest: digest('a'), imageTags: ['v1'], imagePushedAt: pushedAt, imageSizeInBytes: 1234 });
    account.ecs.addService('prod', { serviceName: 'api', deployments: [{ id: 'd1', status: 'PRIMARY', taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/api:3', createdAt: pushedAt }] });
    endpoint = await cloud.start();
  });
  afterAll(async () => cloud.close());
  const config = () => ({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDSWEEP', secretAccessKey: 'x' }, maxAttempts: 1 });

  it('answers with the fake\'s state, timestamps and all, and names who called', async () => {
    const client = new ECRClient(config());
    const { imageDetails } = await client.send(new DescribeImagesCommand({ repositoryName: 'web', imageIds: [{ imageDigest: digest('a') }] }));
    expect(imageDetails?.[0]).toMatchObject({ imageDigest: digest('a'), imageTags: ['v1'], imageSizeInBytes: 1234, imagePushedAt: pushedAt });
    const ecs = new ECSClient(config());
    const { services } = await ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['api'] }));
    expect(services?.[0]?.deployments?.[0]).toMatchObject({ id: 'd1', createdAt: pushedAt });
    expect(cloud.calls.slice(0, 2)).toEqual([{ action: 'ecr:DescribeImages', accessKeyId: 'AKIDSWEEP' }, { action: 'ecs:DescribeServices', accessKeyId: 'AKIDSWEEP' }]);
  });

  it('answers STS GetCallerIdentity in its query protocol', async () => {
    const sts = new STSClient(config());
    expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe('123456789012');
  });

  it('answers the fake\'s errors as AWS does: the SDK raises the modelled exception', async () => {
    const client = new ECRClient(config());
    const failure = await client.send(new DescribeImagesCommand({ repositoryName: 'missing' })).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).name).toBe('RepositoryNotFoundException');
    account.faults.throttle('ecr:DescribeImages', 1);
    const throttled = await client.send(new DescribeImagesCommand({ repositoryName: 'web' })).catch((error: unknown) => error);
    expect((throttled as Error).name).toBe('ThrottlingException');
  });
});

describe('a live read of the example account over HTTP', () => {
  it('reads the same account through the deployed clients (AWS_ENDPOINT_URL) as through the in-process fakes', async () => {
    const example = JSON.parse(await readFile('examples/account.json', 'utf8')) as Parameters<typeof FakeAccount.fromSnapshot>[0];
    const fake = FakeAccount.fromSnapshot(example);
    const cloud = new HttpCloud(fake);
    const endpoint = await cloud.start();
    const before = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = endpoint;
    const clients = createAwsClients({ region: fake.region, credentials: async () => ({ accessKeyId: 'AKIDRECONCILE', secretAccessKey: 'x' }) });
    try {
      const options = { scope: defaultConfig().scope, clock: () => new Date('2026-11-20T12:00:00Z'), caller: new AwsCaller({ sleep: async () => undefined }) };
      const overHttp = await new LiveAccountReader(clients, options).read(knownFacts(undefined));
      const inProcess = await fake.reader({ clock: options.clock }).read(knownFacts(undefined));
      expect(overHttp.warnings).toEqual(inProcess.warnings);
      expect(overHttp.snapshot).toEqual(inProcess.snapshot);
      expect(new Set(cloud.calls.map((c) => c.accessKeyId))).toEqual(new Set(['AKIDRECONCILE']));
      expect(cloud.calls.length).toBeGreaterThan(10);
    } finally {
      clients.destroy();
      if (before === undefined) delete process.env.AWS_ENDPOINT_URL; else process.env.AWS_ENDPOINT_URL = before;
      await cloud.close();
    }
  });
});
