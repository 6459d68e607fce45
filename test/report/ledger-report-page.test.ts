import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { S3ReportBucket } from '../../src/adapters/aws/report-bucket.js';
import { ledgerReportPage, reportKey } from '../../src/app/report-page.js';
import { ledgerFactView } from '../../src/app/ledger-view.js';
import { lifecycleCheck } from '../../src/app/lifecycle-check.js';
import { day, SCOPE, SweepWorld } from '../fixtures/sweep-world.js';

let world: SweepWorld;
afterEach(async () => { await world?.close(); });

describe('the report page the nightly sweep writes', () => {
  it('is built from the ledger and the audit trail, and written encrypted under reports/ACCOUNT/REGION/', async () => {
    world = await SweepWorld.start();
    world.image('app', 'old', [], 30);
    world.image('app', 'older', [], 40);
    await world.ready();
    const report = await world.sweep(day(3), false, 'run-1');
    expect(report.totals.images).toBe(2);
    const now = day(3).toISOString();
    const page = await ledgerReportPage({ store: world.ledger.sweep, config: world.config }, await ledgerFactView(world.ledger, SCOPE), now, 'the nightly sweep run-1');
    expect(page.data.history.at(-1)).toMatchObject({ day: now.slice(0, 10), deletedBytes: 2_000_000 });
    expect(page.html).toContain(`Account ${SCOPE.accountId}, region ${SCOPE.region}`);
    expect(page.html).toContain('<rect class="deleted"');
    const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'fake', secretAccessKey: 'fake' } });
    const mock = mockClient(s3).on(PutObjectCommand).resolves({});
    const key = reportKey(SCOPE, now, 'run-1');
    expect(key).toBe(`reports/${SCOPE.accountId}/${SCOPE.region}/${now.replace(/[:.]/g, '-')}-run-1/index.html`);
    expect(await new S3ReportBucket(s3, 'bucket').put(key, page.html, 'text/html; charset=utf-8')).toBe(`s3://bucket/${key}`);
    expect(mock.commandCalls(PutObjectCommand)[0]!.args[0].input).toMatchObject({ Bucket: 'bucket', Key: key, ContentType: 'text/html; charset=utf-8', ServerSideEncryption: 'AES256' });
  });
});

describe('lifecycle-check in the deployment', () => {
  it('evaluates the ledger scope\'s lifecycle policies: the example fluentd policy endangers bbbb and aaaa', async () => {
    const { startEmbeddedDynamoDb } = await import('../../src/adapters/embedded-dynamodb.js');
    const { DynamoDbLedger } = await import('../../src/adapters/dynamodb-ledger.js');
    const { reconcileLedger } = await import('../../src/app/reconcile.js');
    const { readSnapshotFile } = await import('../../src/snapshot/read-snapshot.js');
    const { defaultConfig } = await import('../../src/config.js');
    const engine = await startEmbeddedDynamoDb();
    try {
      const ledger = new DynamoDbLedger(engine.client, engine.tableName);
      const facts = await readSnapshotFile('examples/account.json');
      await reconcileLedger({ ledger, clock: () => new Date('2026-11-10T06:00:00Z') }, { facts, config: defaultConfig(), source: 'test' });
      const found = lifecycleCheck(await ledgerFactView(ledger, facts.scope), defaultConfig(), '2026-11-10T06:00:00Z');
      expect(found.endangered).toBe(2);
      expect(found.repositories[0]!.rules[0]!.endangered.map((e) => e.imageTags[0])).toEqual(['bbbb', 'aaaa']);
    } finally {
      await engine.close();
    }
  });
});
