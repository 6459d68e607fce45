import { AccountClient } from '@aws-sdk/client-account';
import { AppRunnerClient } from '@aws-sdk/client-apprunner';
import { BatchClient } from '@aws-sdk/client-batch';
import { ECRClient } from '@aws-sdk/client-ecr';
import { EKSClient } from '@aws-sdk/client-eks';
import { Inspector2Client } from '@aws-sdk/client-inspector2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';

export interface AwsClients {
  readonly ecr: ECRClient;
  /**
   * ECR for the calls that change something (deletions, storage class): without the SDK's own retries, which would
   * repeat a deletion whose response was lost and take ECR's ImageNotFound for someone else's deletion. The caller
   * retries throttling and reads back what else failed (UnsettledCallError). Absent: `ecr` (the tests' fakes).
   */
  readonly ecrActing?: ECRClient;
  readonly ecs: ECSClient;
  readonly lambda: LambdaClient;
  readonly batch: BatchClient;
  readonly apprunner: AppRunnerClient;
  readonly inspector: Inspector2Client;
  readonly eks: EKSClient;
  /** Only for GetCallerIdentity: which account the credentials act for (no permission needed). */
  readonly sts: STSClient;
  /** Only for ListRegions: the regions the daily region probe looks at. */
  readonly account: AccountClient;
  destroy(): void;
}

/**
 * Clients for the read path with the standard credential chain, `--profile` and `--region`, the SDK's adaptive
 * retry mode, and the standard endpoint overrides (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_ECS`, …), which the SDK
 * applies by itself.
 */
export function createAwsClients(options: { region?: string; profile?: string; credentials?: () => Promise<AwsCredentialIdentity> }): AwsClients {
  const config = {
    ...(options.region !== undefined && { region: options.region }),
    ...(options.profile !== undefined && { profile: options.profile }),
    ...(options.credentials !== undefined && { credentials: options.credentials }),
    retryMode: 'adaptive',
    maxAttempts: 5,
  };
  const ecr = new ECRClient(config);
  const ecrActing = new ECRClient({ ...config, maxAttempts: 1 });
  const ecs = new ECSClient(config);
  const lambda = new LambdaClient(config);
  const batch = new BatchClient(config);
  const apprunner = new AppRunnerClient(config);
  const inspector = new Inspector2Client(config);
  const eks = new EKSClient(config);
  const sts = new STSClient(config);
  const account = new AccountClient(config);
  return { ecr, ecrActing, ecs, lambda, batch, apprunner, inspector, eks, sts, account, destroy: () => [ecr, ecrActing, ecs, lambda, batch, apprunner, inspector, eks, sts, account].forEach((c) => c.destroy()) };
}

/** The region the SDK would use: `AWS_REGION`, then the (named) profile's; undefined when none is set. */
export async function configuredRegion(profile?: string): Promise<string | undefined> {
  const client = new STSClient({ ...(profile !== undefined && { profile }) });
  try {
    return await client.config.region();
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
}
