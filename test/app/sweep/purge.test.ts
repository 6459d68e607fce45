import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { AwsCaller } from '../../../src/adapters/aws/caller.js';
import { LiveSweepAws } from '../../../src/adapters/aws/sweep-aws.js';
import { purgeRepository } from '../../../src/app/sweep/purge.js';
import type { ClusterReader } from '../../../src/app/clusters.js';
import { AwsReadError } from '../../../src/errors.js';
import { DynamoDbLedger } from '../../../src/adapters/dynamodb-ledger.js';
import { startEmbeddedDynamoDb } from '../../../src/adapters/embedded-dynamodb.js';
import { runCli } from '../../../src/cli/main.js';
import { parseConfig } from '../../../src/config.js';
import { createPurgeResourceHandler, putResponse } from '../../../src/handlers/purge-resource.js';
import { FakeAccount } from '../../fakes/fake-account.js';
import { regionProber } from '../../../src/adapters/aws/region-probe.js';
import { digest } from '../../fixtures/account-builder.js';

const HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const SCOPE = { accountId: '123456789012', region: 'us-east-1' };
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

function stackAccount(inUse: boolean): FakeAccount {
  const a = new FakeAccount();
  a.ecr.addRepository('stack-repo');
  const add = (name: string, extra: object = {}, manifest?: object) => a.ecr.addImage('stack-repo', { imageDigest: digest(name), imageTags: [name], imagePushedAt: new Date('2026-10-01T00:00:00Z'), ...extra }, manifest);
  add('amd64');
  add('multi', { imageManifestMediaType: OCI_INDEX }, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ digest: digest('amd64') }] });
  add('plain');
  if (inUse) a.lambda.addVersion('other-stack-fn', '$LATEST', { imageUri: `${HOST}/stack-repo:plain`, resolvedImageUri: `${HOST}/stack-repo@${digest('plain')}` });
  return a;
}

/** Without a ledger, the account's regions are probed live (the fake account's enabled regions). */
const liveProbe = (a: FakeAccount) => () => regionProber({ from: SCOPE.region, clientsIn: (_account, region) => a.clientsIn(region), caller: new AwsCaller({ sleep: async () => undefined }), now: () => new Date('2026-11-20T00:00:00Z'), scope: parseConfig({}).scope })(SCOPE.accountId, []);

const purge = (a: FakeAccount, dryRun: boolean, clusters?: ClusterReader) => purgeRepository({
  aws: new LiveSweepAws(a.clients(), new AwsCaller({ sleep: async () => undefined }), SCOPE, parseConfig({}), () => new Date('2026-11-20T00:00:00Z')), config: parseConfig({}), clock: () => new Date('2026-11-20T00:00:00Z'),
  probe: liveProbe(a), ...(clusters && { clusters }),
}, SCOPE, 'stack-repo', { dryRun, runId: 'r1' });

/** One EKS cluster running `images`, or one that cannot be read (`error`). */
const cluster = (read: { images?: string[]; error?: string }): ClusterReader => ({
  clusters: async () => [{ name: 'prod-1', read: async () => { if (read.error) throw new AwsReadError(read.error); return read.images!.map((image) => ({ image, workloads: ['default/Deployment/web'] })); } }],
});

describe('purge-repository', () => {
  it('empties a repository nothing uses: the index before its children', async () => {
    const a = stackAccount(false);
    expect((await purge(a, true)).images).toHaveLength(3);
    expect(a.ecr.deleted).toEqual([]);
    const report = await purge(a, false);
    expect(report.failures).toEqual([]);
    expect(a.ecr.deleted[0]).toBe(`stack-repo@${digest('multi')}`);
    expect(a.ecr.deleted).toHaveLength(3);
  });

  it('refuses, naming who uses what, when an image is in use elsewhere (exit 4 from the CLI)', async () => {
    const a = stackAccount(true);
    await expect(purge(a, false)).rejects.toThrow(`stack-repo@${digest('plain')} [plain] is used by lambda-function arn:aws:lambda:us-east-1:123456789012:function:other-stack-fn:$LATEST`);
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['purge-repository', 'stack-repo', '--force'], { out: (t) => out.push(t), err: (t) => err.push(t), clock: () => new Date(), aws: () => a.clients() });
    expect(code).toBe(4);
    expect(err.join('\n')).toContain('stack-repo cannot be emptied: 1 of its 3 image(s) are in use');
    expect(a.ecr.deleted).toEqual([]);
  });

  it('reads the EKS clusters live: a pod running an image refuses the purge, and so does a cluster it cannot read', async () => {
    const a = stackAccount(false);
    await expect(purge(a, false, cluster({ images: [`${HOST}/stack-repo@${digest('plain')}`] }))).rejects.toThrow(`stack-repo@${digest('plain')} [plain] is used by`);
    await expect(purge(a, false, cluster({ error: 'Unauthorized' }))).rejects.toThrow('stack-repo cannot be emptied: EKS cluster prod-1 cannot be read now (Unauthorized)');
    expect(a.ecr.deleted).toEqual([]);
    expect((await purge(a, false, cluster({ images: [`${HOST}/other@${digest('x')}`] }))).images).toHaveLength(3);
  });

  it('takes the scope\'s run lock while it deletes: refused while a sweep holds it, free again afterwards', async () => {
    const engine = await startEmbeddedDynamoDb();
    try {
      const ledger = new DynamoDbLedger(engine.client, engine.tableName);
      const a = stackAccount(false);
      const withLedger = async () => ({ facts: (await ledger.load(SCOPE)).facts, store: ledger.sweep, events: ledger.events, index: ledger.usageIndex() });
      const run = async (runId: string) => purgeRepository({
        aws: new LiveSweepAws(a.clients(), new AwsCaller({ sleep: async () => undefined }), SCOPE, parseConfig({}), () => new Date('2026-11-20T00:00:00Z')), config: parseConfig({}), clock: () => new Date('2026-11-20T00:00:00Z'),
        ledger: await withLedger(),
      }, SCOPE, 'stack-repo', { dryRun: false, runId });
      expect((await ledger.sweep.acquireLock(SCOPE, 'nightly-sweep', '2026-11-20T00:00:00.000Z', '2026-11-20T00:15:00.000Z')).acquired).toBe(true);
      await expect(run('purge-1')).rejects.toThrow(/another sweep of 123456789012\/us-east-1 holds the run lock: run nightly-sweep holds it/);
      expect(a.ecr.deleted).toEqual([]);
      await ledger.sweep.releaseLock(SCOPE, 'nightly-sweep');
      expect((await run('purge-2')).images).toHaveLength(3);
      expect((await ledger.sweep.acquireLock(SCOPE, 'next', '2026-11-20T00:00:00.000Z', '2026-11-20T00:15:00.000Z')).acquired).toBe(true);
    } finally {
      await engine.close();
    }
  });

  it('as a CloudFormation custom resource: purges on Delete, answers FAILED with the reason when in use, and does nothing on Create', async () => {
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c)).on('end', () => {
        bodies.push(`${req.method} ${req.headers['content-type'] ?? ''}|${body}`);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/presigned`;
    try {
      const request = (type: 'Create' | 'Delete') => ({ RequestType: type, ResponseURL: url, StackId: 'stack-1', RequestId: 'req-1', LogicalResourceId: 'Purge', ResourceProperties: { RepositoryName: 'stack-repo' } });
      const handler = (a: FakeAccount) => createPurgeResourceHandler({ purge: async () => purge(a, false), respond: putResponse, log: () => undefined });
      const ctx = {} as never;
      expect(await handler(stackAccount(false))(request('Create'), ctx)).toEqual({ status: 'SUCCESS', reason: 'nothing to do' });
      const inUse = stackAccount(true);
      expect((await handler(inUse)(request('Delete'), ctx)).status).toBe('FAILED');
      const free = stackAccount(false);
      expect(await handler(free)(request('Delete'), ctx)).toEqual({ status: 'SUCCESS', reason: 'purged 3 image(s) from stack-repo' });
      expect(bodies).toHaveLength(3);
      expect(bodies[1]).toMatch(/^PUT \|\{"Status":"FAILED","Reason":"stack-repo cannot be emptied/);
      expect(JSON.parse(bodies[2]!.split('|')[1]!)).toMatchObject({ Status: 'SUCCESS', StackId: 'stack-1', RequestId: 'req-1', LogicalResourceId: 'Purge', PhysicalResourceId: 'ecr-ledger-purge-stack-repo' });
    } finally {
      server.close();
    }
  });
});
