import type { ServiceDeploymentBrief, ServiceRevision } from '@aws-sdk/client-ecs';
import { AwsCaller } from '../../src/adapters/aws/caller.js';
import { LiveAccountReader } from '../../src/adapters/aws/account-reader.js';
import type { AwsClients } from '../../src/adapters/aws/clients.js';
import { defaultConfig, type Config } from '../../src/config.js';
import { parseSnapshot } from '../../src/snapshot/read-snapshot.js';
import type { SnapshotInput } from '../../src/snapshot/schema.js';
import { FakeEcr } from './fake-ecr.js';
import { FakeEcs } from './fake-ecs.js';
import { FakeLambda } from './fake-lambda.js';
import { FakeBatch } from './fake-batch.js';
import { FakeAppRunner } from './fake-apprunner.js';
import { FakeInspector } from './fake-inspector.js';
import { FakeEks } from './fake-eks.js';
import { Faults, page } from './faults.js';
import { AccountClient, ListRegionsCommand } from '@aws-sdk/client-account';
import { mockClient } from 'aws-sdk-client-mock';
import { FAKE_CREDENTIALS } from './fake-ecr.js';
import { FakeSts } from './fake-sts.js';

/** One fake AWS account in one region: ECR, ECS and Lambda sharing one set of faults. */
export class FakeAccount {
  readonly faults = new Faults();
  readonly ecr: FakeEcr;
  readonly ecs: FakeEcs;
  readonly lambda: FakeLambda;
  readonly batch: FakeBatch;
  readonly apprunner: FakeAppRunner;
  readonly inspector: FakeInspector;
  readonly eks: FakeEks;
  readonly sts: FakeSts;

  constructor(readonly accountId = '123456789012', readonly region = 'us-east-1') {
    this.ecr = new FakeEcr(this.faults, accountId, region);
    this.ecs = new FakeEcs(this.faults, accountId, region);
    this.lambda = new FakeLambda(this.faults, accountId, region);
    this.batch = new FakeBatch(this.faults, accountId, region);
    this.apprunner = new FakeAppRunner(this.faults, accountId, region);
    this.inspector = new FakeInspector(this.faults, accountId, region);
    this.eks = new FakeEks(this.faults, accountId, region);
    this.sts = new FakeSts(this.faults, accountId, region);
    this.enabledRegions = [region];
    this.accountApi = new AccountClient({ region, credentials: FAKE_CREDENTIALS });
    mockClient(this.accountApi).on(ListRegionsCommand).callsFake((input) => {
      this.faults.check('account:ListRegions');
      const { items, next } = page('account:ListRegions', [...this.enabledRegions].sort(), input.MaxResults, input.NextToken, { max: 50, default: 20 });
      return { Regions: items.map((RegionName) => ({ RegionName, RegionOptStatus: 'ENABLED_BY_DEFAULT' })), NextToken: next };
    });
  }

  /** The account's enabled regions (account:ListRegions); each other one answers from its own fakes (`in`). */
  enabledRegions: string[];
  private readonly elsewhere = new Map<string, FakeAccount>();
  readonly accountApi: AccountClient;

  /** The same account in another region (its own fakes, empty until something is added). */
  in(region: string): FakeAccount {
    if (region === this.region) return this;
    let other = this.elsewhere.get(region);
    if (!other) this.elsewhere.set(region, (other = new FakeAccount(this.accountId, region)));
    return other;
  }

  /** The clients of this account in `region` (default: its own). */
  clientsIn(region: string = this.region): AwsClients {
    return this.in(region).clients();
  }

  clients(): AwsClients {
    return { account: this.accountApi, ecr: this.ecr.client, ecrActing: this.ecr.actingClient, ecs: this.ecs.client, lambda: this.lambda.client, batch: this.batch.client, apprunner: this.apprunner.client, inspector: this.inspector.client, eks: this.eks.client, sts: this.sts.client, destroy: () => undefined };
  }

  /** A reader over this account that does not sleep between retries. */
  reader(options: { config?: Config; clock?: () => Date; progress?: (m: string) => void; caller?: AwsCaller } = {}): LiveAccountReader {
    return new LiveAccountReader(this.clients(), {
      scope: (options.config ?? defaultConfig()).scope,
      clock: options.clock ?? (() => new Date('2026-11-20T12:00:00Z')),
      caller: options.caller ?? new AwsCaller({ sleep: async () => undefined }),
      ...(options.progress && { progress: options.progress }),
    });
  }

  /** Builds the account an account snapshot describes, so that reading it live gives that snapshot back. */
  static fromSnapshot(input: SnapshotInput): FakeAccount {
    const snapshot = parseSnapshot(input);
    const account = new FakeAccount(snapshot.accountId, snapshot.region);
    const date = (iso: string | undefined) => (iso === undefined ? undefined : new Date(iso));
    for (const repo of snapshot.ecr?.repositories ?? []) {
      account.ecr.addRepository(repo.repositoryName, repo.policyText, repo.lifecyclePolicyText);
      for (const { imageManifest, layers, ...detail } of repo.images ?? []) {
        // A snapshot carries an image's layers as a list; ECR serves them in its manifest (the config first).
        const [config, ...rest] = layers ?? [];
        const manifest = imageManifest ?? (config ? { schemaVersion: 2, mediaType: detail.imageManifestMediaType, config, layers: rest } : { schemaVersion: 2 });
        account.ecr.addImage(repo.repositoryName, {
          ...detail, imagePushedAt: new Date(detail.imagePushedAt), lastRecordedPullTime: date(detail.lastRecordedPullTime),
        } as never, manifest);
      }
    }
    const ecs = snapshot.ecs ?? {};
    for (const td of ecs.taskDefinitions ?? []) {
      account.ecs.addTaskDefinition(td.family, td.revision, Object.fromEntries(td.containerDefinitions.map((c) => [c.name, c.image])), td.status ?? 'ACTIVE');
    }
    for (const svc of ecs.services ?? []) {
      const cluster = svc.clusterArn.split('cluster/').pop()!;
      account.ecs.addService(cluster, { ...svc, serviceName: svc.serviceName } as never);
    }
    for (const task of ecs.tasks ?? []) {
      account.ecs.addTask(task.clusterArn.split('cluster/').pop()!, { ...task, stoppedAt: date(task.stoppedAt) } as never);
    }
    for (const d of ecs.serviceDeployments ?? []) {
      account.ecs.serviceDeployments.push({
        serviceDeploymentArn: d.serviceDeploymentArn, serviceArn: d.serviceArn, status: d.status, targetServiceRevisionArn: d.targetServiceRevision?.arn,
        finishedAt: date(d.finishedAt ?? d.updatedAt ?? d.createdAt),
      } as ServiceDeploymentBrief);
    }
    for (const rev of ecs.serviceRevisions ?? []) account.ecs.serviceRevisions.set(rev.serviceRevisionArn, rev as ServiceRevision);
    for (const fn of snapshot.lambda?.functions ?? []) {
      account.lambda.addVersion(fn.Configuration.FunctionName, fn.Configuration.Version, {
        ...(fn.Code?.ImageUri !== undefined && { imageUri: fn.Code.ImageUri }),
        ...(fn.Code?.ResolvedImageUri !== undefined && { resolvedImageUri: fn.Code.ResolvedImageUri }),
      }, fn.Configuration.PackageType === 'Zip' ? 'Zip' : 'Image');
    }
    for (const jd of snapshot.batch?.jobDefinitions ?? []) account.batch.jobDefinitions.push(jd as never);
    for (const svc of snapshot.apprunner?.services ?? []) account.apprunner.services.push(svc as never);
    for (const alias of snapshot.lambda?.aliases ?? []) {
      const name = alias.AliasArn.split(':')[6]!;
      account.lambda.addAlias(name, alias.Name, alias.FunctionVersion, alias.RoutingConfig?.AdditionalVersionWeights);
    }
    return account;
  }
}
