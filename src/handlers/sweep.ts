import { systemClock } from '../system-clock.js';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { AwsCaller } from '../adapters/aws/caller.js';
import { LiveAccountReader } from '../adapters/aws/account-reader.js';
import { deliverNotice } from '../adapters/aws/notice-channels.js';
import { EksClusters } from '../adapters/aws/eks-clusters.js';
import { S3ReportBucket } from '../adapters/aws/report-bucket.js';
import { LiveSweepAws } from '../adapters/aws/sweep-aws.js';
import { announceDeletions } from '../app/notice.js';
import { inUseDeletionText, outsideDeletions } from '../app/undo/outside-deletion.js';
import { noticeText } from '../app/notice-message.js';
import { ledgerReportPage, reportKey } from '../app/report-page.js';
import { lifecycleCheck } from '../app/lifecycle-check.js';
import { ledgerFactView } from '../app/ledger-view.js';
import { runFreedBytes } from '../app/sweep/run-freed.js';
import type { FactView } from '../app/plan.js';
import type { Scope } from '../domain/facts.js';
import { environment, log } from './environment.js';
import { createSweepContinuationHandler, createSweepHandler, type SweepHandlerDeps } from './scheduled-handlers.js';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { deployedOrganization } from './organization.js';
import { managedFromEnvironment } from './undo.js';

const { ledger, config, clients } = environment();
const reader = new LiveAccountReader(clients, { scope: config.scope, clock: systemClock });
let scope: Scope | undefined;
const bucket = process.env.REPORT_BUCKET ? new S3ReportBucket(new S3Client({}), process.env.REPORT_BUCKET) : undefined;
const topicArn = process.env.NOTICE_TOPIC_ARN;
const organization = deployedOrganization(config);

/** The ledger's view of a scope after a run, read once for both the lifecycle check and the report page. */
let afterRun: { runId: string; view: Promise<FactView> } | undefined;
const viewAfter = (runScope: Scope, runId: string) => {
  if (afterRun?.runId !== runId) afterRun = { runId, view: ledgerFactView(ledger, runScope) };
  return afterRun.view;
};

// The repositories the role may delete from (the stack's managedRepositories): a malformed list stops the function here.
const managed = managedFromEnvironment();

const queueUrl = process.env.SWEEP_QUEUE_URL;
const sqs = queueUrl ? new SQSClient({}) : undefined;

const deps: SweepHandlerDeps = {
  store: ledger.sweep, events: ledger.events, announcements: ledger.announcements, runs: ledger.runs, config, log, clock: systemClock,
  scope: async () => (scope ??= await reader.scope()),
  index: () => ledger.usageIndex(),
  // An in-use image the live read finds gone (its DELETE event late or lost): audited and logged as deleted elsewhere.
  deletions: outsideDeletions({ index: () => ledger.usageIndex(), store: ledger.sweep, config, tell: async (d) => log('error', 'in-use image deleted outside ecr-ledger', { image: `${d.image.repositoryName}@${d.image.imageDigest}`, text: inUseDeletionText(d) }) }),
  requireLayout: () => ledger.layout.require(`the ledger table ${process.env.LEDGER_TABLE}`, `--table ${process.env.LEDGER_TABLE}`),
  aws: (runScope) => new LiveSweepAws(clients, new AwsCaller(), runScope, config, systemClock),
  dryRun: process.env.DRY_RUN !== 'false',
  recordSettings: () => ledger.deployed.record({
    config: process.env.ECR_LEDGER_CONFIG ? JSON.parse(process.env.ECR_LEDGER_CONFIG) as unknown : {}, dryRun: process.env.DRY_RUN !== 'false',
    ...(process.env.MANAGED_REPOSITORIES && { managedRepositories: process.env.MANAGED_REPOSITORIES.split(',') }),
    recordedAt: systemClock().toISOString(), by: process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'the deployed sweep',
  }),
  ...(organization && { members: organization }),
  ...(managed && { managed }),
  ...(config.eks.clusters.length > 0 && { clusters: new EksClusters(clients, new AwsCaller(), config.eks.clusters) }),
  // A registry too large for one invocation: the run goes on, batch by batch, in the next invocation (SQS).
  ...(sqs && queueUrl && {
    batched: {
      progress: ledger.sweepProgress,
      continueRun: async (runScope: Scope, runId: string, invocations: number) => { await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ scope: runScope, runId, invocations }) })); },
    },
  }),
  metrics: new Metrics({ namespace: 'ecr-ledger', serviceName: 'sweep' }),
  ...(config.notice && {
    notice: (runScope: Scope) => {
      return announceDeletions({
        store: ledger.sweep, announcements: ledger.announcements, config, clock: systemClock,
        index: ledger.usageIndex(), ...(organization && { members: organization }), ...(managed && { managed }),
        deliver: async (notice) => {
          const channels = {
            ...(config.notice!.sns && topicArn && { sns: { client: new SNSClient({}), topicArn } }),
            ...(config.notice!.webhookParameter && { webhook: { client: new SSMClient({}), parameterName: config.notice!.webhookParameter } }),
          };
          if (Object.keys(channels).length > 0) return deliverNotice(channels, notice);
          // No channel configured: the function's log is where the notice goes (and what starts the clock).
          log('info', 'advance notice text', { text: noticeText(notice) });
          return [{ channel: 'log', ok: true }];
        },
      }, runScope, { ledgerFlag: `--table ${process.env.LEDGER_TABLE}` });
    },
  }),
  lifecycleCheck: async (runScope: Scope, report) => lifecycleCheck(await viewAfter(runScope, report.runId), config, systemClock().toISOString()),
  measureFreed: async (runScope: Scope, report) => runFreedBytes(report, (await viewAfter(runScope, report.runId)).facts.images),
  ...(bucket && {
    publishReport: async (runScope: Scope, report) => {
      const page = await ledgerReportPage({ store: ledger.sweep, config }, await viewAfter(runScope, report.runId), report.now, `the nightly sweep ${report.runId}${report.dryRun ? ' (dry run)' : ''}: ecr-ledger runs ${report.runId} --table ${process.env.LEDGER_TABLE}`);
      const key = reportKey(runScope, report.now, report.runId);
      await bucket.put(key.replace(/index\.html$/, 'report.json'), JSON.stringify(page.data), 'application/json');
      const written = await bucket.put(key, page.html, 'text/html; charset=utf-8');
      await ledger.runs.annotate(report.runId, { reportKey: key });
      return written;
    },
  }),
};

/** The Lambda entry point of the nightly sweep. It deletes only when `DRY_RUN` is exactly "false". */
export const handler = createSweepHandler(deps);
/** The next invocation of a run too large for one (SQS). */
export const continuation = createSweepContinuationHandler(deps);

