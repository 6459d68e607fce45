import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as account from '@aws-sdk/client-account';
import * as apprunner from '@aws-sdk/client-apprunner';
import * as batch from '@aws-sdk/client-batch';
import * as ecr from '@aws-sdk/client-ecr';
import * as ecs from '@aws-sdk/client-ecs';
import * as inspector2 from '@aws-sdk/client-inspector2';
import * as lambda from '@aws-sdk/client-lambda';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { FakeAccount } from './fake-account.js';

/** An operation the cloud serves: which fake answers it, and the SDK command that carries the input to it. */
interface Served { readonly action: string; readonly Command: new (input: object) => object; readonly send: (command: object) => Promise<unknown> }

/** A REST route: method and path pattern, and how the path and query make the input (the body is the rest). */
interface Route { readonly method: string; readonly path: RegExp; readonly served: Served; readonly input: (path: RegExpExecArray, query: URLSearchParams) => object }

/**
 * A fake account served over HTTP, as AWS serves it: for code that carries its own SDK (a packaged bundle, a handler in
 * a process of its own) and reaches AWS through `AWS_ENDPOINT_URL`. Each call is answered by the account's fake — the
 * same state and faults the in-process tests use — in the protocol of its service: awsJson (ECR, ECS, App Runner: an
 * `X-Amz-Target` header names the operation), restJson (Lambda's reads, Batch, Inspector2, Account: the route names it),
 * and awsQuery for STS GetCallerIdentity. The answer is the output (timestamps in epoch seconds); an error is
 * `{"__type", "message"}` with its status. Not served yet: EKS, SQS, SNS, S3, SSM, IAM, CloudFormation, AssumeRole.
 * The first step of issues 32 and 33 (the scale benchmark's account in a process of its own, the packaged bundles).
 */
export class HttpCloud {
  private server?: Server;
  /** Calls served, as IAM actions (`ecr:DescribeImages`), with the access key that signed each (who made it). */
  readonly calls: Array<{ action: string; accessKeyId: string }> = [];
  private readonly targets: Record<string, { prefix: string; commands: Record<string, unknown>; send: (command: object) => Promise<unknown> }>;
  private readonly routes: Route[];

  constructor(private readonly fake: FakeAccount) {
    const sender = (client: { send: (command: never) => Promise<unknown> }) => (command: object) => client.send(command as never);
    this.targets = {
      AmazonEC2ContainerRegistry_V20150921: { prefix: 'ecr', commands: ecr as Record<string, unknown>, send: sender(fake.ecr.client) },
      AmazonEC2ContainerServiceV20141113: { prefix: 'ecs', commands: ecs as Record<string, unknown>, send: sender(fake.ecs.client) },
      AppRunner: { prefix: 'apprunner', commands: apprunner as Record<string, unknown>, send: sender(fake.apprunner.client) },
    };
    const op = (action: string, Command: unknown, client: { send: (command: never) => Promise<unknown> }): Served => ({ action, Command: Command as Served['Command'], send: sender(client) });
    const paged = (q: URLSearchParams) => ({ ...(q.get('Marker') && { Marker: q.get('Marker')! }), ...(q.get('MaxItems') && { MaxItems: Number(q.get('MaxItems')) }) });
    const fn = (m: RegExpExecArray) => ({ FunctionName: decodeURIComponent(m[1]!) });
    const qualifier = (q: URLSearchParams) => (q.get('Qualifier') ? { Qualifier: q.get('Qualifier')! } : {});
    this.routes = [
      { method: 'GET', path: /^\/2015-03-31\/functions\/?$/, served: op('lambda:ListFunctions', lambda.ListFunctionsCommand, fake.lambda.client), input: (_m, q) => ({ ...paged(q), ...(q.get('FunctionVersion') && { FunctionVersion: q.get('FunctionVersion')! }) }) },
      { method: 'GET', path: /^\/2015-03-31\/functions\/([^/]+)\/aliases$/, served: op('lambda:ListAliases', lambda.ListAliasesCommand, fake.lambda.client), input: (m, q) => ({ ...fn(m), ...paged(q), ...(q.get('FunctionVersion') && { FunctionVersion: q.get('FunctionVersion')! }) }) },
      { method: 'GET', path: /^\/2015-03-31\/functions\/([^/]+)\/versions$/, served: op('lambda:ListVersionsByFunction', lambda.ListVersionsByFunctionCommand, fake.lambda.client), input: (m, q) => ({ ...fn(m), ...paged(q) }) },
      { method: 'GET', path: /^\/2015-03-31\/functions\/([^/]+)\/configuration$/, served: op('lambda:GetFunctionConfiguration', lambda.GetFunctionConfigurationCommand, fake.lambda.client), input: (m, q) => ({ ...fn(m), ...qualifier(q) }) },
      { method: 'GET', path: /^\/2015-03-31\/functions\/([^/]+)$/, served: op('lambda:GetFunction', lambda.GetFunctionCommand, fake.lambda.client), input: (m, q) => ({ ...fn(m), ...qualifier(q) }) },
      { method: 'POST', path: /^\/v1\/describejobdefinitions$/, served: op('batch:DescribeJobDefinitions', batch.DescribeJobDefinitionsCommand, fake.batch.client), input: () => ({}) },
      { method: 'POST', path: /^\/v1\/describejobqueues$/, served: op('batch:DescribeJobQueues', batch.DescribeJobQueuesCommand, fake.batch.client), input: () => ({}) },
      { method: 'POST', path: /^\/coverage\/list$/, served: op('inspector2:ListCoverage', inspector2.ListCoverageCommand, fake.inspector.client), input: () => ({}) },
      { method: 'POST', path: /^\/listRegions$/, served: op('account:ListRegions', account.ListRegionsCommand, fake.accountApi), input: () => ({}) },
    ];
  }

  async start(): Promise<string> {
    this.server = createServer((request, response) => { void this.serve(request, response); });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const accessKeyId = /Credential=([^/]+)\//.exec(String(request.headers.authorization ?? ''))?.[1] ?? 'unsigned';
    if (request.url?.startsWith('/__calls')) {
      const byAction: Record<string, number> = {};
      for (const c of this.calls) byAction[c.action] = (byAction[c.action] ?? 0) + 1;
      response.end(JSON.stringify({ calls: this.calls.length, byAction }));
      if (request.url.includes('reset')) this.calls.length = 0;
      return;
    }
    // Another region of the account (the daily region probe looks): an empty one, unless the test gave it.
    const region = /Credential=[^/]+\/[^/]+\/([^/]+)\//.exec(String(request.headers.authorization ?? ''))?.[1];
    const found = (region !== undefined && region !== this.fake.region ? this.elsewhere(region) : this).find(request, body);
    if (!found) return answer(response, 400, { __type: 'UnknownOperationException', message: `not served: ${request.method} ${request.url} ${request.headers['x-amz-target'] ?? ''}` });
    this.calls.push({ action: found.served.action, accessKeyId });
    try {
      const { $metadata: _metadata, ...output } = (await found.served.send(new found.served.Command(found.input))) as Record<string, unknown>;
      if (found.served.action === 'sts:GetCallerIdentity') return answerXml(response, 'GetCallerIdentity', output);
      answer(response, 200, output);
    } catch (error) {
      const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      answer(response, e.$metadata?.httpStatusCode ?? 500, { __type: e.name ?? 'InternalFailure', message: e.message ?? String(error) });
    }
  }

  private readonly regions = new Map<string, HttpCloud>();
  /** The account in another region, as a cloud of its own (empty until a test fills it). */
  elsewhere(region: string): HttpCloud {
    let cloud = this.regions.get(region);
    if (!cloud) this.regions.set(region, (cloud = new HttpCloud(new FakeAccount(this.fake.accountId, region))));
    return cloud;
  }

  /** The operation a request asks for, and its input. */
  private find(request: IncomingMessage, body: string): { served: Served; input: object } | undefined {
    const target = request.headers['x-amz-target'];
    if (typeof target === 'string') {
      const [service, operation] = target.split('.');
      const t = this.targets[service ?? ''];
      const Command = t?.commands[`${operation}Command`] as Served['Command'] | undefined;
      return t && Command ? { served: { action: `${t.prefix}:${operation}`, Command, send: t.send }, input: body ? JSON.parse(body) as object : {} } : undefined;
    }
    if (new URLSearchParams(body).get('Action') === 'GetCallerIdentity') return { served: { action: 'sts:GetCallerIdentity', Command: GetCallerIdentityCommand as Served['Command'], send: (c) => this.fake.sts.client.send(c as never) }, input: {} };
    const url = new URL(request.url ?? '/', 'http://cloud');
    for (const route of this.routes) {
      const m = request.method === route.method ? route.path.exec(url.pathname) : null;
      if (m) return { served: route.served, input: { ...(body ? JSON.parse(body) as object : {}), ...route.input(m, url.searchParams) } };
    }
    return undefined;
  }
}

/** An awsQuery answer: `<OpResponse><OpResult>…</OpResult></OpResponse>` of flat string members. */
function answerXml(response: ServerResponse, operation: string, output: Record<string, unknown>): void {
  const escape = (v: unknown) => String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const members = Object.entries(output).map(([k, v]) => `<${k}>${escape(v)}</${k}>`).join('');
  response.writeHead(200, { 'content-type': 'text/xml' });
  response.end(`<${operation}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${operation}Result>${members}</${operation}Result><ResponseMetadata><RequestId>http-cloud</RequestId></ResponseMetadata></${operation}Response>`);
}

function answer(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'http-cloud' });
  response.end(awsJson(body));
}

/** JSON as awsJson writes it: timestamps as epoch seconds (the protocol's default), binary as base64. */
export function awsJson(value: unknown): string {
  const wire = (v: unknown): unknown => {
    if (v instanceof Date) return v.getTime() / 1000;
    if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
    if (Array.isArray(v)) return v.map(wire);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, wire(x)]));
    return v;
  };
  return JSON.stringify(wire(value));
}
