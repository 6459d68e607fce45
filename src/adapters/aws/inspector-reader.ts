import { ListCoverageCommand, type Inspector2Client } from '@aws-sdk/client-inspector2';
import { AwsCallError, type AwsCaller } from './caller.js';
import { jsonSafe } from './json-safe.js';

type Json = Record<string, unknown>;
const DAY_MS = 86_400_000;
/** Inspector not enabled, not allowed, or not offered here: evidence is missing, which is a warning, not a failure. */
const unavailable = (error: unknown) => error instanceof AwsCallError && (error.denied || ['ValidationException', 'ResourceNotFoundException', 'BadRequestException'].includes(error.code));

/**
 * Amazon Inspector's coverage of this registry's ECR images (`inspector2:ListCoverage`), keeping the images it saw
 * in use (ECS tasks, EKS pods) within `withinDays` of `now`. Undefined, with a warning, where Inspector is not available.
 */
export async function readInspector(caller: AwsCaller, inspector: Inspector2Client, options: { accountId: string; withinDays: number; now: Date; warn: (m: string) => void }): Promise<Json[] | undefined> {
  let covered;
  try {
    covered = await caller.all('inspector2:ListCoverage', async (nextToken) => {
      const page = await inspector.send(new ListCoverageCommand({
        filterCriteria: { resourceType: [{ comparison: 'EQUALS', value: 'AWS_ECR_CONTAINER_IMAGE' }], accountId: [{ comparison: 'EQUALS', value: options.accountId }] },
        maxResults: 200, nextToken,
      }));
      return { items: page.coveredResources, next: page.nextToken };
    });
  } catch (error) {
    if (!unavailable(error)) throw error;
    options.warn(`Amazon Inspector evidence is not available in ${options.accountId} (${(error as Error).message}): images are judged without it`);
    return undefined;
  }
  const since = options.now.getTime() - options.withinDays * DAY_MS;
  const ours = new RegExp(`^arn:aws[a-z-]*:ecr:[a-z0-9-]+:${options.accountId}:repository/.+/sha256:[0-9a-f]{64}$`);
  return covered
    .filter((c) => c.resourceId && ours.test(c.resourceId) && c.resourceMetadata?.ecrImage?.lastInUseAt && c.resourceMetadata.ecrImage.lastInUseAt.getTime() >= since)
    .map((c) => jsonSafe({ resourceId: c.resourceId, resourceMetadata: { ecrImage: { lastInUseAt: c.resourceMetadata!.ecrImage!.lastInUseAt, inUseCount: c.resourceMetadata!.ecrImage!.inUseCount ?? 0 } } }));
}
