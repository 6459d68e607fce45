import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runAt } from '../support/cli.js';
import { FakeAccount } from '../fakes/fake-account.js';

const EXAMPLE = 'examples/account.json';
import { pictureAt } from '../support/picture.js';

const run = (argv: string[], at: string, account?: FakeAccount) => runAt(at, argv, { ...(account && { account }) });
/** As the nightly schedule runs it: the notice an hour after a reconcile (it refuses a stale ledger, as the sweep does). */
async function cli(argv: string[], at: string, account?: FakeAccount) {
  const ledger = argv[argv.indexOf('--ledger') + 1];
  const config = argv[argv.indexOf('--config') + 1];
  if (argv[0] === 'notice' && argv.includes('--ledger') && argv.includes('--config')) {
    const before = new Date(Date.parse(at) - 3_600_000).toISOString();
    expect((await run(['reconcile', '--snapshot', await pictureAt(EXAMPLE, before), '--config', config!, '--ledger', ledger!, '--now', before], before)).code).toBe(0);
  }
  return run(argv, at, account);
}

/** The example config with `notice: { daysAhead: 3 }`, and a ledger reconciled from the example account at `at`. */
async function world() {
  const dir = await mkdtemp(join(tmpdir(), 'ecr-ledger-notice-'));
  const config = join(dir, 'config.yaml');
  await writeFile(config, `${await readFile('examples/config.yaml', 'utf8')}notice:\n  daysAhead: 3\n`);
  const ledger = join(dir, 'ledger');
  const reconcile = async (at: string) => expect((await cli(['reconcile', '--snapshot', await pictureAt(EXAMPLE, at), '--config', config, '--ledger', ledger, '--now', at], at)).code).toBe(0);
  await reconcile('2026-11-10T06:00:00Z');
  return { config, ledger, reconcile, account: FakeAccount.fromSnapshot(JSON.parse(await readFile(EXAMPLE, 'utf8'))) };
}

const servers: Server[] = [];
afterEach(() => { servers.splice(0).forEach((s) => s.close()); });

/** A local incoming-webhook endpoint answering with the given statuses in turn (the last one repeats). */
async function webhook(statuses: number[]): Promise<{ url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    bodies.push(JSON.parse(body));
    res.writeHead(statuses[Math.min(bodies.length - 1, statuses.length - 1)]!).end('ok');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/secret`, bodies };
}

describe('notice from the CLI (issue 22, point 5)', () => {
  it('--dry-run prints the announcement and records and sends nothing; --now only with it', async () => {
    const w = await world();
    const hook = await webhook([200]);
    const dry = await cli(['notice', '--ledger', w.ledger, '--config', w.config, '--webhook-url', hook.url, '--dry-run'], '2026-11-14T06:00:00Z');
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/^\d+ image\(s\) \(.*\) in 123456789012\/us-east-1 will be deleted from 2026-11-17T06:00:00.000Z/); // not prefixed like an error
    expect(dry.out).toContain('DRY RUN: nothing was sent or recorded');
    expect(hook.bodies).toEqual([]);
    const json = (await cli(['notice', '--ledger', w.ledger, '--config', w.config, '--dry-run', '--output', 'json'], '2026-11-14T06:00:00Z')).json();
    expect(json).toMatchObject({ dryRun: true, recorded: 0 });
    // Nothing was recorded: the real notice announces them all.
    const real = (await cli(['notice', '--ledger', w.ledger, '--config', w.config, '--output', 'json'], '2026-11-14T06:00:00Z')).json();
    expect(real.recorded).toBe(json.notice.totals.images);
    const moved = await run(['notice', '--ledger', w.ledger, '--config', w.config, '--now', '2026-11-20T00:00:00Z'], '2026-11-14T06:00:00Z');
    expect([moved.code, moved.err]).toEqual([2, 'ecr-ledger: notice records announcements on the real clock: --now only with --dry-run']);
    expect((await run(['notice', '--ledger', w.ledger, '--config', w.config, '--dry-run', '--now', '2026-11-14T07:00:00Z', '--output', 'json'], '2026-11-30T00:00:00Z')).json().notice.deletableFrom).toBe('2026-11-17T07:00:00.000Z');
  });

  it('refuses a stale ledger (exit 4), as the sweep does: nothing is announced from it', async () => {
    const w = await world(); // reconciled 2026-11-10T06:00
    const stale = await run(['notice', '--ledger', w.ledger, '--config', w.config], '2026-11-14T06:00:00Z');
    expect(stale.code).toBe(4);
    expect(stale.err).toContain('the ledger is stale: the last reconcile finished 2026-11-10T06:00:00.000Z');
  });
});

describe('advance notice (notice.daysAhead)', () => {
  it('announces what the plan deletes in 3 days once, and the sweep deletes only images announced 3 days earlier', async () => {
    const w = await world();
    const first = await cli(['notice', '--ledger', w.ledger, '--config', w.config, '--output', 'json'], '2026-11-14T06:00:00Z');
    expect(first.code).toBe(0);
    const result = first.json();
    expect(result.notice.deletableFrom).toBe('2026-11-17T06:00:00.000Z');
    expect(result.recorded).toBe(result.notice.totals.images);
    expect(result.notice.totals.images).toBeGreaterThan(10);
    const announced = result.notice.repositories.flatMap((r: { images: Array<{ repositoryName: string; imageTags: string[] }> }) => r.images.map((i) => `${i.repositoryName}:${i.imageTags.join(',')}`));
    expect(announced).not.toContain('fluentd:bbbb');
    const app = result.notice.repositories.find((r: { repositoryName: string }) => r.repositoryName === 'app').images;
    expect(app.map((i: { imageTags: string[] }) => i.imageTags[0])).toEqual(['1.2', '1.1']);
    expect(app[0]).toMatchObject({
      lastUsedBy: { kind: 'ecs-task-definition', id: 'arn:aws:ecs:us-east-1:123456789012:task-definition/app:2' },
      pinCommand: `ecr-ledger pin 123456789012.dkr.ecr.us-east-1.amazonaws.com/app@${app[0].imageDigest} --reason "still used by …" --ledger ${w.ledger}`,
    });
    expect(app[0].lastUseEndedAt).toBe('2026-11-10T06:00:00.000Z');

    const again = await cli(['notice', '--ledger', w.ledger, '--config', w.config], '2026-11-15T06:00:00Z');
    expect(again.out).toBe(`Nothing newly scheduled for deletion in 123456789012/us-east-1 within 3 day(s) (${result.notice.totals.images} announced earlier).`);

    // Two days after the notice: the plan allows deletions, but none was announced 3 days ago.
    await w.reconcile('2026-11-16T06:00:00Z');
    const early = (await cli(['sweep', '--ledger', w.ledger, '--config', w.config, '--now', '2026-11-16T07:00:00Z', '--output', 'json'], '2026-11-16T07:00:00Z', w.account)).json();
    expect(early.images).toEqual([]);
    expect(early.awaitingNotice.length).toBeGreaterThan(0);
    for (const waiting of early.awaitingNotice) expect(waiting.waitingFor).toMatch(/^announced 2026-11-14T06:00:00.000Z: deletable from 2026-11-17T06:00:00.000Z/);

    // After the notice period, exactly the announced images go; in-use images never.
    await w.reconcile('2026-11-18T06:00:00Z');
    const due = await cli(['sweep', '--ledger', w.ledger, '--config', w.config, '--now', '2026-11-18T07:00:00Z', '--output', 'json'], '2026-11-18T07:00:00Z', w.account);
    const swept = due.json().images.map((i: { repositoryName: string; imageTags: string[] }) => `${i.repositoryName}:${i.imageTags.join(',')}`);
    expect(swept.sort()).toEqual([...announced].sort());
    expect(swept).not.toContain('fluentd:bbbb');
    expect(due.json().awaitingNotice.every((i: { waitingFor: string }) => i.waitingFor.startsWith('not announced yet'))).toBe(true);

    const explained = (await cli(['explain', `app@${app[0].imageDigest}`, '--ledger', w.ledger, '--config', w.config, '--output', 'json'], '2026-11-18T07:00:00Z')).json();
    expect(explained.images[0].announcement).toMatchObject({ announcedAt: '2026-11-14T06:00:00.000Z', deletableFrom: '2026-11-17T06:00:00.000Z' });
    expect((await cli(['explain', `app@${app[0].imageDigest}`, '--ledger', w.ledger, '--config', w.config], '2026-11-18T07:00:00Z')).out)
      .toContain('Announced for deletion 2026-11-14T06:00:00.000Z (deletable from 2026-11-17T06:00:00.000Z).');
  });

  it('announces exactly what a plan over the whole ledger deletes by then (services, deployments and tasks read by reference)', async () => {
    const w = await world();
    const notice = (await cli(['notice', '--ledger', w.ledger, '--config', w.config, '--output', 'json'], '2026-11-14T06:00:00Z')).json().notice;
    const announced = notice.repositories.flatMap((r: { images: Array<{ repositoryName: string; imageDigest: string }> }) => r.images.map((i) => `${i.repositoryName}@${i.imageDigest}`));
    const plan = (await cli(['plan', '--ledger', w.ledger, '--config', w.config, '--now', notice.deletableFrom, '--output', 'json'], '2026-11-14T06:00:00Z')).json();
    const deleted = plan.images.filter((i: { action: string }) => i.action === 'delete').map((i: { repositoryName: string; imageDigest: string }) => `${i.repositoryName}@${i.imageDigest}`);
    expect(announced.sort()).toEqual(deleted.sort());
  });

  it('does not announce an image a task started after the reconcile runs (the task is read by reference, not from the sweep index)', async () => {
    const w = await world();
    const sample = JSON.parse(await readFile('test/fixtures/events/ecs-task-state-change-running.json', 'utf8'));
    const taskArn = 'arn:aws:ecs:us-east-1:123456789012:task/prod/0123456789abcdef';
    const event = {
      ...sample, account: '123456789012', region: 'us-east-1', time: '2026-11-12T00:00:00Z', resources: [taskArn],
      detail: {
        ...sample.detail, clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod', taskArn, updatedAt: '2026-11-12T00:00:00.000Z',
        taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/checkout:3', group: 'family:checkout',
        containers: [{ ...sample.detail.containers[0], taskArn, name: 'checkout', image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/checkout:r3', imageDigest: undefined }],
      },
    };
    const file = join(await mkdtemp(join(tmpdir(), 'ecr-ledger-notice-')), 'task.json');
    await writeFile(file, JSON.stringify(event));
    expect((await cli(['ingest', file, '--ledger', w.ledger, '--offline'], '2026-11-12T00:00:00Z')).code).toBe(0);
    const notice = (await cli(['notice', '--ledger', w.ledger, '--config', w.config, '--output', 'json'], '2026-11-14T06:00:00Z')).json().notice;
    const checkout = notice.repositories.find((r: { repositoryName: string }) => r.repositoryName === 'checkout');
    const tags = checkout.images.flatMap((i: { imageTags: string[] }) => i.imageTags);
    expect(tags).toContain('r2');
    expect(tags).not.toContain('r3');
  });

  it('posts the notice in Slack format to --webhook-url, retrying a failed post', async () => {
    const w = await world();
    const hook = await webhook([500, 200]);
    const result = await cli(['notice', '--ledger', w.ledger, '--config', w.config, '--webhook-url', hook.url, '--output', 'json'], '2026-11-14T06:00:00Z');
    expect(result.code).toBe(0);
    expect(result.json().deliveries).toEqual([{ channel: 'stdout', ok: true }, { channel: `webhook ${new URL(hook.url).host}`, ok: true }]);
    expect(hook.bodies).toHaveLength(2);
    const message = hook.bodies[1] as { text: string; blocks: Array<{ text?: { text: string } }> };
    expect(message.text).toMatch(/^ecr-ledger: \d+ image\(s\) \(.*\) in 123456789012\/us-east-1 will be deleted from 2026-11-17T06:00:00.000Z$/);
    expect(message.blocks.map((b) => b.text?.text ?? '').join('\n')).toMatch(/\*app\* — 2 image\(s\)[^]*keep: `ecr-ledger pin 123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/app@sha256:/);
  });

  it('reports a webhook that keeps refusing (exit 5) without losing the announcement printed on stdout', async () => {
    const w = await world();
    const hook = await webhook([404]);
    const result = await cli(['notice', '--ledger', w.ledger, '--config', w.config, '--webhook-url', hook.url, '--output', 'json'], '2026-11-14T06:00:00Z');
    expect(result.code).toBe(5);
    expect(hook.bodies).toHaveLength(1);
    expect(result.err).toMatch(/^warning: the webhook at 127\.0\.0\.1:\d+ did not take the notice: HTTP 404 ok$/);
    expect(result.json().recorded).toBeGreaterThan(0);
  });
});
