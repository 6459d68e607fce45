import middy from '@middy/core';
import type { PurgeReport } from '../app/sweep/purge.js';
import type { Log } from './scheduled-handlers.js';

/** A CloudFormation custom-resource request (the fields ecr-ledger reads). */
export interface CustomResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: { readonly RepositoryName?: string };
}

export interface PurgeResourceDeps {
  readonly purge: (repositoryName: string) => Promise<PurgeReport>;
  /** PUTs the response to the pre-signed URL. */
  readonly respond: (url: string, body: string) => Promise<void>;
  readonly log: Log;
}

/** Sends CloudFormation's response: a stack waits up to an hour for one, so every path answers. */
export async function putResponse(url: string, body: string): Promise<void> {
  const response = await fetch(url, { method: 'PUT', body, headers: { 'content-type': '' } });
  if (!response.ok) throw new Error(`the CloudFormation response was rejected: HTTP ${response.status}`);
}

/**
 * The custom resource that empties a repository its stack is deleting: Create and Update do nothing; Delete purges,
 * and fails (naming who uses what) if an image is in use, which stops the stack from deleting the repository.
 */
export function createPurgeResourceHandler(deps: PurgeResourceDeps) {
  return middy(async (event: CustomResourceEvent) => {
    const repositoryName = event.ResourceProperties.RepositoryName;
    let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
    let reason = 'nothing to do';
    try {
      if (!repositoryName) throw new Error('the resource needs the property RepositoryName');
      if (event.RequestType === 'Delete') {
        const report = await deps.purge(repositoryName);
        if (report.failures.length > 0) throw new Error(`${report.failures.length} image(s) of ${repositoryName} could not be deleted, e.g. ${report.failures[0]!.imageDigest}: ${report.failures[0]!.code}`);
        reason = `purged ${report.images.length} image(s) from ${repositoryName}`;
      }
    } catch (error) {
      status = 'FAILED';
      reason = (error as Error).message;
    }
    deps.log(status === 'SUCCESS' ? 'info' : 'error', 'purge-repository resource', { requestType: event.RequestType, repositoryName, status, reason });
    const body = JSON.stringify({
      Status: status, Reason: reason.slice(0, 3_500), PhysicalResourceId: event.PhysicalResourceId ?? `ecr-ledger-purge-${repositoryName ?? 'unnamed'}`,
      StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId,
    });
    await deps.respond(event.ResponseURL, body);
    return { status, reason };
  });
}
