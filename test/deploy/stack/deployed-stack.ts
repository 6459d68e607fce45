import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { vi } from 'vitest';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../../src/adapters/embedded-dynamodb.js';
import { ensureLedgerTable } from '../../../src/adapters/ledger-table.js';
import { DynamoDbLedger } from '../../../src/adapters/dynamodb-ledger.js';
import type { FakeAccount } from '../../fakes/fake-account.js';
import { FakeCloud } from './fake-cloud.js';
import { trustAllows } from './iam.js';
import { callAllowed } from './role-check.js';
import { readPackagedStack, type PackagedStack } from './packaged-stack.js';
import { readCfnYaml } from '../../support/cfn-yaml.js';

/** The member reader role's trust statements (deploy/member-account.yml, no operator roles) for a central stack. */
export function memberTrust(central: string, stage: string, region: string): unknown[] {
  const doc = readCfnYaml<{ Resources: { ReaderRole: { Properties: { AssumeRolePolicyDocument: { Statement: unknown[] } } } } }>('deploy/member-account.yml').Resources.ReaderRole.Properties.AssumeRolePolicyDocument;
  const sub = (v: unknown): unknown => (typeof v === 'string' ? v : Array.isArray(v) ? v.map(sub)
    : v && typeof v === 'object' && 'Fn::Sub' in v ? String((v as Record<string, string>)['Fn::Sub']).replaceAll('${AWS::Partition}', 'aws').replaceAll('${CentralAccountId}', central).replaceAll('${CentralStage}', stage).replaceAll('${CentralRegion}', region)
      : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sub(x)])) : v);
  return doc.Statement.filter((s) => !(s && typeof s === 'object' && 'Fn::If' in s)).map(sub);
}

/** Requests a local HTTP endpoint received (the advance notice's webhook, CloudFormation's response URL). */
export class LocalEndpoint {
  readonly received: Array<{ method: string; body: string }> = [];
  url = '';
  private server?: Server;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => { body += chunk; });
      req.on('end', () => {
        this.received.push({ method: req.method ?? '', body });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((done) => this.server!.listen(0, '127.0.0.1', done));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this;
  }

  close(): void {
    this.server?.close();
  }
}

/**
 * A packaged stack run as Lambda would run it: each function's handler module, imported afresh with that function's
 * environment from the template, in the account and region the stack is deployed to, against a FakeCloud that
 * records every AWS call and a real DynamoDB-compatible engine holding the stack's table.
 */
export class DeployedStack {
  readonly logs: Array<{ fn: string; line: string }> = [];
  /** The metrics each function emitted (Embedded Metric Format objects). */
  readonly metrics: Array<Record<string, unknown> & { fn: string }> = [];

  private constructor(readonly template: PackagedStack, readonly cloud: FakeCloud, private readonly db: EmbeddedDynamoDb) {}

  static async start(file: string, home: FakeAccount, readerRoleName = 'ecr-ledger-reader'): Promise<DeployedStack> {
    const template = readPackagedStack(file, home.accountId, home.region);
    const db = await startEmbeddedDynamoDb();
    await ensureLedgerTable(db.client, template.ref('LedgerTable'));
    const cloud = new FakeCloud(home, readerRoleName);
    // Every AssumeRole of a member's reader role is judged by the member template's trust policy (issue 33, point 2).
    const stage = template.ref('LedgerTable').replace(/^ecr-ledger-/, '');
    const trust = memberTrust(home.accountId, stage, template.region);
    cloud.trust = (fn, roleArn) => trustAllows(trust, `arn:aws:iam::${home.accountId}:role/${template.functions.get(fn)!.roleName}`, roleArn, /^arn:aws:iam::(\d{12}):/.exec(roleArn)![1]!);
    // Every call is judged by the role it is made with as it is made (cached: the same call is judged once).
    const judged = new Map<string, Promise<boolean>>();
    cloud.authorize = (fn, accountId, action, resource) => {
      const key = `${fn} ${accountId} ${action} ${resource}`;
      if (!judged.has(key)) judged.set(key, callAllowed(template, cloud, fn, accountId, action, resource));
      return judged.get(key)!;
    };
    cloud.install();
    return new DeployedStack(template, cloud, db);
  }

  /** The stack's ledger table, read as the CLI would (`--table`). */
  ledger(): DynamoDbLedger {
    return new DynamoDbLedger(this.db.client, this.tableName);
  }

  get tableName(): string {
    return this.template.ref('LedgerTable');
  }

  /** Invokes one function with `event` (`environment` overrides a stage parameter the template took, e.g. DRY_RUN). */
  async invoke(fn: string, event: unknown, options: { environment?: Record<string, string>; remainingMs?: number } = {}): Promise<any> {
    const packaged = this.template.functions.get(fn);
    if (!packaged) throw new Error(`the packaged stack has no function ${fn}`);
    const endpoint = await this.db.client.config.endpoint!();
    const env: Record<string, string> = {
      ...packaged.environment, ...options.environment,
      AWS_REGION: this.template.region, AWS_ACCESS_KEY_ID: 'AKIAHOMEEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_ENDPOINT_URL_DYNAMODB: `${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`, AWS_LAMBDA_FUNCTION_NAME: `ecr-ledger-${fn}`,
    };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => { this.logs.push({ fn, line: args.map(String).join(' ') }); });
    // Powertools writes its metrics (Embedded Metric Format) to stdout itself: kept with the logs.
    const write = process.stdout.write.bind(process.stdout);
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (String(chunk).startsWith('{"_aws"')) {
        this.metrics.push(...String(chunk).trim().split('\n').map((line) => ({ fn, ...(JSON.parse(line) as Record<string, unknown>) })));
        return true;
      }
      return write(chunk, ...(rest as []));
    }) as typeof process.stdout.write);
    // Each call is credited to the invocation whose async context made it; one made after this one ended is refused.
    const invocation = { fn, ended: false };
    try {
      vi.resetModules();
      const module = await import(pathToFileURL(resolve(packaged.module)).href);
      return await this.cloud.invocation.run(invocation, () => module[packaged.exportName](event, { getRemainingTimeInMillis: () => options.remainingMs ?? 900_000, functionName: `ecr-ledger-${fn}`, awsRequestId: 'request' }));
    } finally {
      invocation.ended = true;
      log.mockRestore();
      stdout.mockRestore();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }

  /** The log lines of a function that say `message` (its JSON lines), parsed. */
  logged(fn: string, message: string): Array<Record<string, any>> {
    return this.logs.filter((l) => l.fn === fn && l.line.startsWith('{')).map((l) => JSON.parse(l.line) as Record<string, any>).filter((l) => l.message === message);
  }

  async close(): Promise<void> {
    this.cloud.uninstall();
    await this.db.close();
  }
}
