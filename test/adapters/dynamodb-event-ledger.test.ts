import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factPk } from '../../src/adapters/ledger-items.js';
import { DynamoDbLedger } from '../../src/adapters/dynamodb-ledger.js';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../../src/adapters/embedded-dynamodb.js';
import { reconcileLedger } from '../../src/app/reconcile.js';
import { defaultConfig } from '../../src/config.js';
import { imageKey } from '../../src/domain/facts.js';
import { AccountBuilder, digest, NOW, uri } from '../fixtures/account-builder.js';

const T = (minutes: number) => new Date(Date.parse(NOW) + minutes * 60_000).toISOString();

describe('the event path of the ledger (embedded engine)', () => {
  let engine: EmbeddedDynamoDb;
  let ledger: DynamoDbLedger;
  let n = 0;
  /** Each test works in its own account, so tests do not see each other's facts. */
  const freshScope = () => ({ accountId: String(100000000000 + ++n), region: 'us-east-1' });
  const image = (name: string) => ({ repositoryName: 'app', imageDigest: digest(name), imageTags: [], imagePushedAt: T(0), imageSizeInBytes: 1, childDigests: [] });
  const load = async (scope: { accountId: string; region: string }) => {
    await ledger.reconcile({ facts: { ...new AccountBuilder().build(), scope, images: [] } as never, observedAt: '1970-01-01T00:00:00.000Z', decideHistory: () => new Map(), watermark: { scope, reconciledAt: NOW, capturedAt: '1970-01-01T00:00:00.000Z', source: 'test' } });
    return ledger.load(scope);
  };

  beforeAll(async () => {
    engine = await startEmbeddedDynamoDb();
    ledger = new DynamoDbLedger(engine.client, engine.tableName);
  });
  afterAll(async () => engine.close());

  it('applies newer news, ignores older news, and is idempotent', async () => {
    const scope = freshScope();
    const td = (image: string) => ({ taskDefinitionArn: 'arn:td/app:1', family: 'app', revision: 1, status: 'ACTIVE', containers: [{ containerName: 'app', image }] });
    expect((await ledger.events.applyFact(scope, 'task-definition', 'app:1', td('app:v2'), T(10))).applied).toBe(true);
    expect((await ledger.events.applyFact(scope, 'task-definition', 'app:1', td('app:v1'), T(5))).applied).toBe(false);
    const again = await ledger.events.applyFact(scope, 'task-definition', 'app:1', td('app:v2'), T(10));
    expect(again.applied).toBe(true);
    expect(again.previous?.fact).toEqual(td('app:v2'));
    expect((await load(scope)).facts.taskDefinitions.map((t) => t.containers[0]!.image)).toEqual(['app:v2']);
  });

  it('orders task updates by version, whatever their times', async () => {
    const scope = freshScope();
    const task = (lastStatus: string) => ({ taskArn: 'arn:task/1', clusterArn: 'arn:cluster/prod', taskDefinitionArn: 'arn:td/app:1', lastStatus, containers: [] });
    expect((await ledger.events.applyFact(scope, 'task', 'arn:task/1', task('STOPPED'), T(10), 5)).applied).toBe(true);
    expect((await ledger.events.applyFact(scope, 'task', 'arn:task/1', task('RUNNING'), T(10), 3)).applied).toBe(false);
    expect((await ledger.events.applyFact(scope, 'task', 'arn:task/1', task('STOPPED'), T(10), 5)).applied).toBe(false); // duplicate
    expect((await load(scope)).facts.tasks.map((t) => t.lastStatus)).toEqual(['STOPPED']);
  });

  it('a task\'s next state that names the same images writes the task alone; one that names others replaces its references (issue 32)', async () => {
    const scope = freshScope();
    const host = `${scope.accountId}.dkr.ecr.us-east-1.amazonaws.com`;
    const task = (lastStatus: string, images: string[]) => ({ taskArn: 'arn:task/2', clusterArn: 'arn:cluster/prod', taskDefinitionArn: 'arn:td/app:1', lastStatus,
      containers: images.map((name, i) => ({ name: `c${i}`, image: `${host}/${name}:v1`, imageDigest: digest(name) })) });
    const references = async () => ((await engine.client.send(new QueryCommand({ TableName: engine.tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)',
      ExpressionAttributeValues: { ':pk': { S: factPk(scope, 'task', 'arn:task/2') }, ':r': { S: 'R#' } } }))).Items ?? []).map((i) => i.target!.S).sort();
    let requests = 0;
    const count = (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => { requests += 1; return next(args); };
    engine.client.middlewareStack.add(count as never, { step: 'initialize', name: 'countEventRequests' });
    try {
      await ledger.events.applyFact(scope, 'task', 'arn:task/2', task('RUNNING', ['app', 'sidecar']), T(1), 1);
      const running = await references();
      expect(running).toHaveLength(2);
      requests = 0;
      expect((await ledger.events.applyFact(scope, 'task', 'arn:task/2', task('STOPPED', ['app', 'sidecar']), T(2), 2)).applied).toBe(true);
      expect(requests).toBe(1); // the references are there: the task alone
      expect(await references()).toEqual(running);
      expect((await ledger.events.applyFact(scope, 'task', 'arn:task/2', task('STOPPED', ['app', 'other']), T(3), 3)).applied).toBe(true);
      const replaced = await references();
      expect(replaced).toHaveLength(2);
      expect(replaced).not.toEqual(running);
      expect(replaced.some((t) => t!.includes(digest('other')))).toBe(true);
      expect(replaced.some((t) => t!.includes(digest('sidecar')))).toBe(false);
      requests = 0;
      expect((await ledger.events.applyFact(scope, 'task', 'arn:task/2', task('RUNNING', ['app', 'sidecar']), T(4), 2)).applied).toBe(false); // older news
      expect(await references()).toEqual(expect.arrayContaining(replaced)); // (its own references may stay until the next reconcile: more protection, never less)
    } finally {
      engine.client.middlewareStack.remove('countEventRequests');
    }
  });

  it('keeps a removal so that older news cannot bring the fact back', async () => {
    const scope = freshScope();
    const alias = { aliasArn: 'arn:fn:f:live', functionName: 'f', name: 'live', functionVersion: '1', additionalVersions: [] };
    await ledger.events.applyFact(scope, 'lambda-alias', alias.aliasArn, undefined, T(20));
    expect((await ledger.events.applyFact(scope, 'lambda-alias', alias.aliasArn, alias, T(10))).applied).toBe(false);
    expect((await load(scope)).facts.lambdaAliases).toEqual([]);
    expect((await ledger.events.applyFact(scope, 'lambda-alias', alias.aliasArn, alias, T(30))).applied).toBe(true);
    expect((await load(scope)).facts.lambdaAliases).toHaveLength(1);
  });

  it('adds an image once, with its first history (a later push restarts its grace); a removal wins over older pushes; a re-push after it wins', async () => {
    const scope = freshScope();
    expect(await ledger.events.addImage(scope, image('a'), T(0))).toBe(true);
    expect(await ledger.events.addImage(scope, image('a'), T(1))).toBe(false);
    expect((await load(scope)).history.get(imageKey('app', digest('a')))).toEqual({ firstSeenAt: T(0), unprotectedSince: T(1) });
    expect(await ledger.events.addImage(scope, image('a'), T(0))).toBe(false); // the first push, delivered again: old news
    expect((await load(scope)).history.get(imageKey('app', digest('a')))).toEqual({ firstSeenAt: T(0), unprotectedSince: T(1) });
    expect(await ledger.events.removeImage(scope, 'app', digest('a'), T(10))).toBe(true);
    expect(await ledger.events.addImage(scope, image('a'), T(5))).toBe(false);
    expect((await load(scope)).facts.images).toEqual([]);
    expect(await ledger.events.addImage(scope, image('a'), T(20))).toBe(true);
    expect((await load(scope)).facts.images).toHaveLength(1);
  });

  it('joins tag items to their images; a tag move rewrites one item', async () => {
    const scope = freshScope();
    await ledger.events.addImage(scope, image('a'), T(0));
    await ledger.events.addImage(scope, image('b'), T(0));
    await ledger.events.applyFact(scope, 'tag', 'app:v1', { repositoryName: 'app', tag: 'v1', imageDigest: digest('a') }, T(1));
    const moved = await ledger.events.applyFact(scope, 'tag', 'app:v1', { repositoryName: 'app', tag: 'v1', imageDigest: digest('b') }, T(2));
    expect(moved.previous?.fact.imageDigest).toBe(digest('a'));
    const images = (await load(scope)).facts.images;
    expect(images.map((i) => [i.imageDigest, i.imageTags])).toEqual(expect.arrayContaining([[digest('a'), []], [digest('b'), ['v1']]]));
  });

  it('keeps the latest release time, and sets the storage class', async () => {
    const scope = freshScope();
    await ledger.events.addImage(scope, image('a'), T(0));
    await ledger.events.releaseImage(scope, 'app', digest('a'), T(30));
    await ledger.events.releaseImage(scope, 'app', digest('a'), T(20));
    await ledger.events.releaseImage(scope, 'app', digest('missing'), T(20));
    expect(await ledger.events.setImageStatus(scope, 'app', digest('a'), 'ARCHIVED', T(40))).toBe(true);
    const loaded = await load(scope);
    expect(loaded.history.get(imageKey('app', digest('a')))?.releasedAt).toBe(T(30));
    expect(loaded.facts.images[0]!.imageStatus).toBe('ARCHIVED');
    expect(await ledger.events.getFact(scope, 'image', imageKey('app', digest('missing')))).toBeUndefined();
  });

  it('reads a family, a function and a repository through the indexes', async () => {
    const b = new AccountBuilder();
    b.image('web', 'w1');
    b.image('web', 'w2');
    b.taskDefinition('app:1', { app: uri('web:w1') }).taskDefinition('app:2', { app: uri('web:w2') }).taskDefinition('other:1', { app: uri('web:w1') });
    b.lambda('fn', '1', uri('web:w1')).lambda('fn', '2', uri('web:w2')).alias('fn', 'live', '2');
    const facts = { ...b.build(), scope: freshScope() };
    await reconcileLedger({ ledger, clock: () => new Date(NOW) }, { facts, config: defaultConfig(), source: 'test' });
    expect((await ledger.events.group(facts.scope, { family: 'app' })).map((f) => f.fact.revision)).toEqual([1, 2]);
    expect((await ledger.events.group(facts.scope, { functionName: 'fn' })).map((f) => f.kind).sort()).toEqual(['lambda-alias', 'lambda-function', 'lambda-function']);
    expect((await ledger.events.group(facts.scope, { repositoryName: 'web' }))).toHaveLength(2);
  });
});
