import { DescribeRegistryCommand } from '@aws-sdk/client-ecr';
import type { AccountRead, AccountReader, CheckpointEntry } from '../../app/ports.js';
import type { Config } from '../../config.js';
import type { Scope } from '../../domain/facts.js';
import { AwsReadError, MissingRegionError } from '../../errors.js';
import type { KnownFacts } from '../../snapshot/from-facts.js';
import type { SnapshotInput } from '../../snapshot/schema.js';
import { AwsCaller } from './caller.js';
import type { AwsClients } from './clients.js';
import { readEcr } from './ecr-reader.js';
import { readUsageSections } from './usage-reader.js';
import { jsonSafe } from './json-safe.js';

type Json = Record<string, unknown>;

export interface LiveAccountOptions {
  readonly scope: Config['scope'];
  /** Opt-in evidence of use (config `evidence`): Inspector's coverage of this registry's images. */
  readonly evidence?: Config['evidence'];
  readonly clock: () => Date;
  readonly caller?: AwsCaller;
  readonly progress?: (message: string) => void;
}

const byKey = (key: string) => (a: Json, b: Json) => String(a[key]).localeCompare(String(b[key]));

/** Reads one account in one region from ECR, ECS and Lambda, as an account snapshot. */
export class LiveAccountReader implements AccountReader {
  readonly caller: AwsCaller;
  private resolved?: Scope;
  /** DescribeRegistry's replication configuration, read with the scope (deleteReplication decides a deletion's reach). */
  private replication?: unknown;

  constructor(private readonly clients: AwsClients, private readonly options: LiveAccountOptions) {
    this.caller = options.caller ?? new AwsCaller();
  }

  async scope(): Promise<Scope> {
    if (this.resolved) return this.resolved;
    let region: string;
    try {
      region = await this.clients.ecr.config.region();
    } catch (cause) {
      throw new MissingRegionError('no AWS region: give --region NAME, set AWS_REGION, or name a profile with a region', { cause });
    }
    const { registryId, replicationConfiguration } = await this.caller.call('ecr:DescribeRegistry', () => this.clients.ecr.send(new DescribeRegistryCommand({})));
    this.replication = replicationConfiguration && jsonSafe(replicationConfiguration);
    if (!registryId) throw new AwsReadError('ecr:DescribeRegistry returned no registry id (the account id)');
    return (this.resolved = { accountId: registryId, region });
  }

  async read(known: KnownFacts, onImmutableRead?: (entry: CheckpointEntry) => Promise<void>): Promise<AccountRead> {
    const capturedAt = this.options.clock().toISOString();
    const { accountId, region } = await this.scope();
    const warnings: string[] = [];
    const warn = (message: string) => warnings.push(message);
    const { caller, clients, options } = this;
    const [repositories, { ecs: ecsRead, lambda: lambdaRead, batch, apprunner, inspector }] = await Promise.all([
      readEcr(caller, clients.ecr, { knownManifests: known.manifest, ...(options.progress && { progress: options.progress }) }),
      readUsageSections(caller, clients, {
        scope: options.scope, known, warn, ...(options.progress && { progress: options.progress }), ...(onImmutableRead && { onImmutableRead }),
        ...(options.evidence && { evidence: { config: options.evidence, accountId, now: new Date(capturedAt) } }),
      }),
    ]);
    const snapshot = {
      schemaVersion: 1,
      accountId,
      region,
      capturedAt,
      ecr: { repositories: repositories.sort((a, b) => a.repositoryName.localeCompare(b.repositoryName)), ...(this.replication !== undefined && { replicationConfiguration: this.replication }) },
      ecs: {
        taskDefinitions: ecsRead.taskDefinitions,
        services: ecsRead.services.sort(byKey('serviceArn')),
        serviceDeployments: ecsRead.serviceDeployments.sort(byKey('serviceDeploymentArn')),
        serviceRevisions: ecsRead.serviceRevisions.sort(byKey('serviceRevisionArn')),
        tasks: ecsRead.tasks.sort(byKey('taskArn')),
      },
      lambda: {
        functions: lambdaRead.functions.sort((a, b) => String((a.Configuration as Json).FunctionArn).localeCompare(String((b.Configuration as Json).FunctionArn)) || String((a.Configuration as Json).Version).localeCompare(String((b.Configuration as Json).Version))),
        aliases: lambdaRead.aliases.sort(byKey('AliasArn')),
      },
      ...(batch && { batch: { jobDefinitions: batch.jobDefinitions.sort(byKey('jobDefinitionArn')) } }),
      ...(apprunner && { apprunner: { services: apprunner.services.sort(byKey('ServiceArn')) } }),
      ...(inspector && { inspector: { coverage: inspector.coverage.sort(byKey('resourceId')) } }),
    } as SnapshotInput;
    return { snapshot, warnings, calls: Object.fromEntries([...caller.counts].sort()) };
  }
}
