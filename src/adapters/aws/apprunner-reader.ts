import { DescribeServiceCommand, ListServicesCommand, type AppRunnerClient } from '@aws-sdk/client-apprunner';
import { AwsCallError, mapConcurrent, type AwsCaller } from './caller.js';
import { jsonSafe } from './json-safe.js';

type Json = Record<string, unknown>;

/** App Runner is not offered in every region: its endpoint does not resolve there, and no service can exist. */
const notOffered = (error: unknown) => error instanceof AwsCallError && /ENOTFOUND|getaddrinfo/.test(`${(error.cause as { code?: string })?.code ?? ''} ${error.message}`);

/** Every App Runner service with an image source (ECR), as DescribeService reports it (trimmed). */
export async function readAppRunner(caller: AwsCaller, apprunner: AppRunnerClient, warn: (message: string) => void, progress?: (message: string) => void): Promise<Json[]> {
  let summaries;
  try {
    summaries = await caller.all('apprunner:ListServices', async (token) => {
      const page = await apprunner.send(new ListServicesCommand({ MaxResults: 20, NextToken: token }));
      return { items: page.ServiceSummaryList, next: page.NextToken };
    });
  } catch (error) {
    if (!notOffered(error)) throw error;
    warn('App Runner is not offered in this region: no App Runner services read');
    return [];
  }
  const services = await mapConcurrent(summaries.filter((s) => s.Status !== 'DELETED'), 4, async (summary) => {
    const { Service: svc } = await caller.call('apprunner:DescribeService', () => apprunner.send(new DescribeServiceCommand({ ServiceArn: summary.ServiceArn })));
    const image = svc?.SourceConfiguration?.ImageRepository;
    if (!svc || !image) return undefined;
    return jsonSafe({ ServiceArn: svc.ServiceArn, ServiceName: svc.ServiceName, Status: svc.Status, SourceConfiguration: { ImageRepository: { ImageIdentifier: image.ImageIdentifier, ImageRepositoryType: image.ImageRepositoryType } } });
  });
  progress?.(`App Runner: ${summaries.length} services`);
  return services.filter((s): s is Json => s !== undefined);
}
