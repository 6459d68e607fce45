import type { DeployedSettingsStore } from '../app/stack/deployed-settings.js';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { createAwsClients } from '../adapters/aws/clients.js';
import type { Scope } from '../domain/facts.js';
import { DynamoDbLedger } from '../adapters/dynamodb-ledger.js';
import type { LedgerLayout } from '../adapters/ledger-layout.js';
import type { UsageIndex } from '../app/usage-index.js';
import { startEmbeddedDynamoDb } from '../adapters/embedded-dynamodb.js';
import { ledgerFactView } from '../app/ledger-view.js';
import { readLiveFacts } from '../app/live.js';
import type { FactView } from '../app/plan.js';
import type { AnnouncementStore, AuditRecord, EventLedger, LedgerStore, SweepStore, UsageReportStore } from '../app/ports.js';
import { AwsReadError, MissingRegionError, UsageError } from '../errors.js';
import { readSnapshotFile } from '../snapshot/read-snapshot.js';
import type { Config } from '../config.js';
import type { Flags } from './args.js';
import { openLiveReader, reportWarnings, requireProfile, type LiveIo } from './live-source.js';

export interface SourceFlags {
  profile?: string;
  snapshot?: string;
  ledger?: string;
  table?: string;
  account?: string;
  region?: string;
}

export interface OpenLedger {
  readonly ledger: LedgerStore;
  readonly layout: LedgerLayout;
  /** A fresh reader of the index, with its own request counts. */
  index(): UsageIndex;
  /** The same table's event-path writes. */
  readonly events: EventLedger;
  /** The same table's sweep index, run lock and audit trail. */
  readonly sweep: SweepStore;
  /** The same table's announcements (advance notice). */
  readonly announcements: AnnouncementStore;
  /** The same table's usage reports (`report-usage`). */
  readonly reports: UsageReportStore;
  /** The same table's sweep run log (`runs`). */
  readonly runs: RunLog;
  /** What a deployed sweep recorded it runs with (a stack's table; none in an embedded ledger). */
  readonly deployed: DeployedSettingsStore;
  readonly describe: string;
  close(): Promise<void>;
}

/** `--table` takes a name or a table ARN (`arn:aws:dynamodb:REGION:ACCOUNT:table/NAME`), whose region the client then uses. */
export function tableOf(text: string): { name: string; region?: string } {
  const arn = /^arn:aws[a-z-]*:dynamodb:([a-z0-9-]+):\d{12}:table\/([A-Za-z0-9_.-]{3,255})$/.exec(text);
  if (arn) return { name: arn[2]!, region: arn[1]! };
  if (text.startsWith('arn:')) throw new UsageError(`--table ${text}: not a DynamoDB table ARN (arn:aws:dynamodb:REGION:ACCOUNT:table/NAME)`);
  return { name: text };
}

/**
 * Opens the ledger a command names: the embedded engine in a directory, or a DynamoDB table on AWS. Only the
 * commands that fill a ledger (`create`: reconcile, ingest) may start an embedded one in a directory without one.
 */
export async function openLedger(flags: SourceFlags, options: { create?: boolean; anyLayout?: boolean } = {}): Promise<OpenLedger> {
  const open = await openAnyLedger(flags, { create: options.create ?? false });
  if (options.anyLayout) return open;
  try {
    await open.layout.require(open.describe, flags.table !== undefined ? `--table ${flags.table}` : `--ledger ${flags.ledger}`);
    return open;
  } catch (error) {
    await open.close();
    throw flags.table !== undefined ? reachingTable(error, flags.table) : error;
  }
}

/** The first call to a table that failed before any answer: say what was tried, and how to fix it. */
function reachingTable(error: unknown, table: string): unknown {
  const message = (error as Error)?.message ?? '';
  if (/Region is missing/i.test(message)) return new MissingRegionError('no AWS region: give --region NAME, set AWS_REGION, or name a profile with a region', { cause: error });
  const code = (error as { code?: string; cause?: { code?: string } })?.code ?? (error as { cause?: { code?: string } })?.cause?.code ?? /\b(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN)\b/.exec(message)?.[1];
  if (code && /^E[A-Z_]+$/.test(code)) {
    const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB ?? process.env.AWS_ENDPOINT_URL ?? 'the DynamoDB endpoint of the region';
    return new AwsReadError(`cannot reach DynamoDB (table ${table}) at ${endpoint}: ${code}`, { cause: error });
  }
  return error;
}

async function openAnyLedger(flags: SourceFlags, options: { create: boolean }): Promise<OpenLedger> {
  if (flags.ledger !== undefined && flags.table !== undefined) throw new UsageError('give either --ledger DIR or --table NAME, not both');
  if (flags.table !== undefined) {
    if (flags.profile !== undefined) requireProfile(flags.profile);
    const table = tableOf(flags.table);
    const region = flags.region ?? table.region;
    const client = new DynamoDBClient({ ...(region && { region }), ...(flags.profile !== undefined && { profile: flags.profile }), retryMode: 'adaptive' });
    const ledger = new DynamoDbLedger(client, table.name);
    return { ledger, layout: ledger.layout, index: () => ledger.usageIndex(), events: ledger.events, sweep: ledger.sweep, announcements: ledger.announcements, reports: ledger.reports, runs: ledger.runs, deployed: ledger.deployed, describe: `the DynamoDB table ${table.name}`, close: async () => client.destroy() };
  }
  if (flags.ledger === undefined) throw new UsageError('name the ledger: --ledger DIR (embedded, on disk) or --table NAME (DynamoDB)');
  const engine = await startEmbeddedDynamoDb(flags.ledger, options);
  const ledger = new DynamoDbLedger(engine.client, engine.tableName, { exclusive: true }); // one process per ledger directory
  return { ledger, layout: ledger.layout, index: () => ledger.usageIndex(), events: ledger.events, sweep: ledger.sweep, announcements: ledger.announcements, reports: ledger.reports, runs: ledger.runs, deployed: ledger.deployed, describe: `the embedded ledger in ${flags.ledger}`, close: engine.close };
}

import { chooseScope, type ScopeDefault } from '../app/choose-scope.js';
import type { RunLog } from '../app/sweep/run-log.js';
export { chooseScope };

/**
 * The scope a ledger command acts on (chooseScope), defaulting — when the ledger holds several — to the account the
 * credentials act for (sts:GetCallerIdentity) in the client's region, said on stderr.
 */
export function scopeFor(ledger: LedgerStore, flags: SourceFlags & { account?: string; scope?: string; quiet?: boolean }, io: LiveIo, image?: string): Promise<Scope> {
  const byDefault: ScopeDefault = {
    caller: async () => {
      const clients = (io.aws ?? createAwsClients)({ ...(flags.region !== undefined && { region: flags.region }), ...(flags.profile !== undefined && { profile: flags.profile }) });
      try {
        const region = flags.region ?? (await clients.sts.config.region());
        const { Account } = await clients.sts.send(new GetCallerIdentityCommand({}));
        return Account && region ? { accountId: Account, region } : undefined;
      } finally {
        clients.destroy();
      }
    },
    say: (message) => io.err(message),
  };
  return chooseScope(ledger, flags, image, byDefault);
}

/**
 * Reads the facts a read-only command evaluates: a snapshot file, a ledger, or — with no source named — the live
 * account, read now. A live read has no history, exactly like a snapshot taken now, so it is evaluated as one.
 */
export interface FactSource {
  readonly view: FactView;
  readonly defaultNow?: string;
  /** A ledger's audit trail for the view's scope (snapshots and live reads have none). */
  readonly audit?: (now: string) => Promise<AuditRecord[]>;
  /** A ledger's sweep store (announcements, the audit trail); undefined for snapshots and live reads. */
  readonly store?: SweepStore;
  close(): Promise<void>;
}

export async function readFactView(flags: Flags, image: string | undefined, live: { io: LiveIo; config: Config }): Promise<FactSource> {
  const named = [flags.snapshot, flags.ledger, flags.table].filter((f) => f !== undefined).length;
  if (named > 1) throw new UsageError('give one source: --snapshot FILE, --ledger DIR or --table NAME');
  if (flags.snapshot !== undefined) {
    const facts = await readSnapshotFile(flags.snapshot);
    return { view: { facts, history: new Map(), historySource: 'snapshot' }, defaultNow: facts.capturedAt, close: async () => undefined };
  }
  if (named === 0) {
    const { reader, close } = openLiveReader(flags, live.io, live.config);
    try {
      const scope = await reader.scope().catch((error: unknown) => {
        if (error instanceof MissingRegionError) throw new MissingRegionError(`${error.message} to read live AWS; or give --ledger DIR, --table NAME or --snapshot FILE to read a ledger or a file`, { cause: error });
        throw error;
      });
      live.io.err(`reading live AWS (account ${scope.accountId}, region ${scope.region}); give --ledger or --snapshot to read a ledger or a file`);
      const { facts, read } = await readLiveFacts(reader);
      reportWarnings(live.io, read.warnings);
      return { view: { facts, history: new Map(), historySource: 'snapshot' }, defaultNow: facts.capturedAt, close: async () => undefined };
    } finally {
      close();
    }
  }
  const open = await openLedger(flags);
  try {
    const scope = await scopeFor(open.ledger, flags, live.io, image);
    return {
      view: await ledgerFactView(open.ledger, scope),
      audit: (now) => open.sweep.audit(scope, { now }), store: open.sweep, close: open.close,
    };
  } catch (error) {
    await open.close();
    throw error;
  }
}
