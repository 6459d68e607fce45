import { GetLifecyclePolicyPreviewCommand, StartLifecyclePolicyPreviewCommand, type ECRClient } from '@aws-sdk/client-ecr';
import type { PreviewResult } from '../../app/lifecycle-check.js';
import { AwsReadError } from '../../errors.js';
import { AwsCallError, type AwsCaller } from './caller.js';


export interface PreviewOptions {
  readonly sleep?: (ms: number) => Promise<void>;
  /** How long to wait for ECR to finish one repository's preview. */
  readonly timeoutMs?: number;
  readonly pollMs?: number;
}

/**
 * Runs ECR's lifecycle policy preview for one repository (StartLifecyclePolicyPreview, then
 * GetLifecyclePolicyPreview until COMPLETE) and returns what it would act on. A preview already running for the
 * repository is waited for rather than started again.
 */
export async function previewLifecycle(caller: AwsCaller, ecr: ECRClient, repositoryName: string, options: PreviewOptions = {}): Promise<PreviewResult[]> {
  const sleep = options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  try {
    await caller.call('ecr:StartLifecyclePolicyPreview', () => ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName })));
  } catch (error) {
    if (!(error instanceof AwsCallError && error.code === 'LifecyclePolicyPreviewInProgressException')) throw error;
  }
  const deadline = (options.timeoutMs ?? 120_000) / (options.pollMs ?? 2_000);
  for (let attempt = 0; attempt <= deadline; attempt += 1) {
    const results: PreviewResult[] = [];
    let nextToken: string | undefined;
    let status: string | undefined;
    do {
      const page = await caller.call('ecr:GetLifecyclePolicyPreview', () => ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName, maxResults: 100, nextToken })));
      status = page?.status;
      if (status !== 'COMPLETE') break;
      for (const r of page.previewResults ?? []) {
        if (r.imageDigest) results.push({ imageDigest: r.imageDigest, rulePriority: r.appliedRulePriority ?? 0, action: String(r.action?.type ?? 'EXPIRE').toLowerCase() });
      }
      nextToken = page.nextToken;
    } while (nextToken);
    if (status === 'COMPLETE') return results;
    if (status === 'FAILED' || status === 'EXPIRED') throw new AwsReadError(`ecr:GetLifecyclePolicyPreview in ${repositoryName}: the preview ended ${status}`);
    await sleep(options.pollMs ?? 2_000);
  }
  throw new AwsReadError(`ecr:GetLifecyclePolicyPreview in ${repositoryName}: ECR did not finish the preview within ${(options.timeoutMs ?? 120_000) / 1000} s`);
}
