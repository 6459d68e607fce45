import { randomUUID } from 'node:crypto';
import { cloudTrailEvent } from '../../fixtures/events/cloudtrail.js';
import { rawSample } from '../../fixtures/events/samples.js';

/** Where an event happened: the account and region it names, and when. */
export interface Origin {
  readonly accountId: string;
  readonly region: string;
  readonly time: string;
}

/**
 * A documented sample event (test/fixtures/events) as it would come from `origin`: its account, region and time
 * replaced, and each `replace` key (a repository name, digest, ARN of the sample) by its value.
 */
export function sampleFrom(name: string, origin: Origin, replace: Record<string, string> = {}): Record<string, any> {
  const event = rawSample(name);
  let text = JSON.stringify({ ...event, id: randomUUID(), time: origin.time });
  for (const [from, to] of Object.entries(replace)) text = text.replaceAll(from, to);
  text = text.replaceAll(event.account, origin.accountId).replaceAll(event.region, origin.region);
  return JSON.parse(text) as Record<string, any>;
}

/** A CloudTrail "AWS API Call" event as it would come from `origin`. */
export function apiCallFrom(source: Parameters<typeof cloudTrailEvent>[0], eventName: string, origin: Origin, fields: Parameters<typeof cloudTrailEvent>[2] = {}): Record<string, any> {
  const event = cloudTrailEvent(source, eventName, { ...fields, time: origin.time });
  const text = JSON.stringify(event).replaceAll('123456789012', origin.accountId).replaceAll('us-east-1', origin.region);
  return JSON.parse(text) as Record<string, any>;
}

/** An SQS event as the event source mapping delivers it. */
export const sqsEvent = (bodies: readonly string[]) => ({ Records: bodies.map((body, i) => ({ messageId: `m-${i}`, body, attributes: {}, eventSource: 'aws:sqs' })) });

/** A CloudFormation custom-resource request for the purge-repository resource. */
export const customResource = (requestType: 'Create' | 'Delete', repositoryName: string, responseUrl: string) => ({
  RequestType: requestType, ResponseURL: responseUrl, StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/app/1', RequestId: randomUUID(),
  LogicalResourceId: 'Purge', ...(requestType === 'Delete' && { PhysicalResourceId: `ecr-ledger-purge-${repositoryName}` }), ResourceProperties: { RepositoryName: repositoryName },
});

/** A Lambda function URL request (payload format 2.0). */
export const urlRequest = (method: 'GET' | 'POST', query: Record<string, string>, body?: string) => ({
  version: '2.0', rawPath: '/', rawQueryString: new URLSearchParams(query).toString(), queryStringParameters: query, headers: { 'content-type': 'application/json' },
  requestContext: { http: { method, path: '/' }, authorizer: { iam: { userArn: 'arn:aws:iam::123456789012:role/reporter', accountId: '123456789012' } } },
  ...(body !== undefined && { body, isBase64Encoded: false }),
});
