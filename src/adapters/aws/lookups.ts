import { DescribeImagesCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import type { AwsLookups } from '../../app/ports.js';
import { AwsReadError } from '../../errors.js';
import type { ImageFact, Scope } from '../../domain/facts.js';
import { parseSnapshot } from '../../snapshot/read-snapshot.js';
import type { SnapshotInput } from '../../snapshot/schema.js';
import { imageFact, snapshotToFacts } from '../../snapshot/to-facts.js';
import { imageDetailSchema } from '../../snapshot/schema.js';
import { AwsCallError, mapConcurrent, type AwsCaller } from './caller.js';
import type { AwsClients } from './clients.js';
import { fetchManifests, needsManifest } from './ecr-reader.js';
import { readEcsRuntimeOf } from './ecs-reader.js';
import { jsonSafe } from './json-safe.js';
import { readFunctionVersion } from './lambda-reader.js';

const gone = (error: unknown, codes: readonly string[]) => error instanceof AwsCallError && codes.includes(error.code);

/** The facts of a partial snapshot (validated exactly as a whole one). */
function factsOf(scope: Scope, part: Omit<SnapshotInput, 'schemaVersion' | 'accountId' | 'region' | 'capturedAt'>) {
  return snapshotToFacts(parseSnapshot({ schemaVersion: 1, accountId: scope.accountId, region: scope.region, capturedAt: new Date(0).toISOString(), ...part }, 'AWS lookup'));
}

/** What the event handlers look up in live AWS, through the same caller (limits, back-off) as the reconcile. */
export class LiveLookups implements AwsLookups {
  constructor(private readonly clients: AwsClients, private readonly caller: AwsCaller, private readonly scope: Scope, private readonly warn: (message: string) => void) {}

  async taggedDigest(repositoryName: string, tag: string): Promise<string | undefined> {
    try {
      const found = await this.caller.call('ecr:DescribeImages', () => this.clients.ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageTag: tag }] })));
      return found.imageDetails?.[0]?.imageDigest;
    } catch (error) {
      if (gone(error, ['ImageNotFoundException', 'RepositoryNotFoundException'])) return undefined;
      throw error;
    }
  }

  async describeImage(repositoryName: string, imageDigest: string): Promise<ImageFact | undefined> {
    const ecr: ECRClient = this.clients.ecr;
    let detail;
    try {
      const found = await this.caller.call('ecr:DescribeImages', () => ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageDigest }] })));
      detail = found.imageDetails?.[0];
    } catch (error) {
      if (gone(error, ['ImageNotFoundException', 'RepositoryNotFoundException'])) return undefined;
      throw error;
    }
    if (!detail) return undefined;
    let imageManifest: string | undefined;
    if (needsManifest(detail)) {
      // A manifest that cannot be read fails the lookup (the event is retried); only a deleted image is gone.
      imageManifest = (await fetchManifests(this.caller, ecr, repositoryName, [imageDigest])).get(imageDigest);
      if (imageManifest === undefined) return undefined;
    }
    const parsed = imageDetailSchema.safeParse({ ...jsonSafe(detail), ...(imageManifest !== undefined && { imageManifest }) });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new AwsReadError(`ecr:DescribeImages returned ${repositoryName}@${imageDigest} in a shape ecr-ledger cannot read: ${issue.path.join('.')}: ${issue.message}`);
    }
    return imageFact(repositoryName, parsed.data, 'DescribeImages');
  }

  async describeService(cluster: string, service: string) {
    let found;
    try {
      const described = await this.caller.call('ecs:DescribeServices', () => this.clients.ecs.send(new DescribeServicesCommand({ cluster, services: [service] })));
      found = described.services?.[0]; // a deleted service comes back as a MISSING failure
    } catch (error) {
      if (gone(error, ['ClusterNotFoundException', 'ServiceNotFoundException'])) return undefined;
      throw error;
    }
    if (!found || found.status === 'INACTIVE') return undefined;
    const runtime = await readEcsRuntimeOf(this.caller, this.clients.ecs, [found], this.warn);
    const facts = factsOf(this.scope, { ecs: runtime });
    return { service: facts.services[0]!, ...(facts.serviceDeployments[0] && { deployment: facts.serviceDeployments[0] }), revisions: facts.serviceRevisions };
  }

  async functionVersions(functionName: string, versions: readonly string[]) {
    const read = await mapConcurrent(versions, 4, (version) => readFunctionVersion(this.caller, this.clients.lambda, functionName, version));
    return factsOf(this.scope, { lambda: { functions: read.filter((f) => f !== undefined) as never } }).lambdaFunctions;
  }

  async familyRevisions(family: string) {
    const arns = await this.caller.all('ecs:ListTaskDefinitions', async (nextToken) => {
      const page = await this.clients.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'ACTIVE', maxResults: 100, nextToken }));
      return { items: page.taskDefinitionArns, next: page.nextToken };
    });
    const exact = arns.filter((arn) => arn.slice(arn.lastIndexOf('/') + 1, arn.lastIndexOf(':')) === family);
    const described = await mapConcurrent(exact, 4, async (arn) => (await this.caller.call('ecs:DescribeTaskDefinition', () => this.clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn })))).taskDefinition!);
    return factsOf(this.scope, { ecs: { taskDefinitions: described.map((td) => jsonSafe({ ...td, containerDefinitions: td.containerDefinitions?.map((c) => ({ name: c.name, image: c.image })) })) as never } }).taskDefinitions;
  }
}
