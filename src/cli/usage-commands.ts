import { kubeConfig, readClusterImages } from '../adapters/kubernetes/workload-images.js';
import { postSigned } from '../adapters/aws/sigv4.js';
import { listSources, reportUsage, requireSourceName, type ReportedImage } from '../app/usage-reports.js';
import { staleSourceWarning } from '../domain/usage-sources.js';
import { AwsReadError, ForbiddenError, UsageError } from '../errors.js';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { createAwsClients } from '../adapters/aws/clients.js';
import type { Flags } from './args.js';
import { config, print, type Io } from './common.js';
import { reportWarnings } from './live-source.js';
import { table } from './render.js';
import { scopeFor, openLedger } from './sources.js';
import { readUsageInput } from './usage-input.js';

const readStdin = async (): Promise<string> => {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text;
};

/**
 * `report-usage --source NAME [--from-kubernetes [--kubeconfig F --context C]] [FILE|-] (--ledger DIR | --table NAME | --url URL)`:
 * the full set of images a source runs now, which replaces its previous report.
 */
export async function reportUsageCommand(flags: Flags, positionals: readonly string[], io: Io): Promise<number> {
  if (flags.source === undefined) throw new UsageError('report-usage needs --source NAME (the cluster or system whose images these are)');
  const source = requireSourceName(flags.source);
  if (flags['from-kubernetes'] === (positionals.length === 1)) throw new UsageError('report-usage reads either the cluster (--from-kubernetes) or a FILE (- for stdin), one of them');
  if (!flags['from-kubernetes'] && (flags.kubeconfig !== undefined || flags.context !== undefined)) throw new UsageError('--kubeconfig and --context go with --from-kubernetes');
  const destinations = [flags.ledger, flags.table, flags.url].filter((d) => d !== undefined).length;
  if (destinations !== 1) throw new UsageError('report-usage sends to one place: --ledger DIR, --table NAME or --url FUNCTION_URL');
  const images: ReportedImage[] = flags['from-kubernetes']
    ? await readClusterImages(kubeConfig({ ...(flags.kubeconfig !== undefined && { kubeconfig: flags.kubeconfig }), ...(flags.context !== undefined && { context: flags.context }) }))
    : await readUsageInput(positionals[0]!, io.stdin ?? readStdin);
  const reportedAt = io.clock().toISOString();
  if (flags.url !== undefined) {
    const response = await postSigned(flags.url, { source, reportedAt, images }, { ...(flags.region !== undefined && { region: flags.region }) }).catch((error: unknown) => {
      throw new AwsReadError(`POST ${flags.url} failed: ${(error as Error).message}`, { cause: error });
    });
    // 403: the source is another principal's (or reserved) — refused, as a direct write would be.
    if (response.status === 403) throw new ForbiddenError(`POST ${flags.url}: refused (HTTP 403): ${errorOf(response.text)}`);
    if (response.status !== 200) throw new AwsReadError(`POST ${flags.url}: HTTP ${response.status} ${response.text.slice(0, 300)}`);
    const result = JSON.parse(response.text) as object;
    print(io, flags, result, () => `Reported ${images.length} image reference(s) of source ${source} to ${flags.url}.`);
    return 0;
  }
  const open = await openLedger(flags);
  try {
    const scope = await scopeFor(open.ledger, flags, io);
    // Into a deployed table, the source belongs to the credentials that send it, as through the function URL.
    const principal = flags.table !== undefined ? await callerArn(flags, io, scope.region) : undefined;
    const cfg = await config(flags);
    const result = await reportUsage({ reports: open.reports, events: open.events, index: open.index(), config: cfg }, scope, { source, reportedAt, images, ...(principal && { principal }) });
    if (result.ignored.length > 0) reportWarnings(io, [`${result.ignored.length} reference(s) to other registries ignored (e.g. ${result.ignored[0]}): this ledger holds ECR images only`]);
    print(io, flags, result, () => `Source ${source} reported ${result.images} ECR image(s) at ${reportedAt} into ${open.describe}; ${result.removed} no longer reported (released: their grace period restarts now).`);
    return 0;
  } finally {
    await open.close();
  }
}

const errorOf = (text: string) => { try { return String((JSON.parse(text) as { error?: unknown }).error ?? text); } catch { return text.slice(0, 300); } };

/** The ARN of the credentials (sts:GetCallerIdentity). */
async function callerArn(flags: Flags, io: Io, region: string): Promise<string> {
  const clients = (io.aws ?? createAwsClients)({ region, ...(flags.profile !== undefined && { profile: flags.profile }) });
  try {
    const { Arn } = await clients.sts.send(new GetCallerIdentityCommand({}));
    if (!Arn) throw new AwsReadError('sts:GetCallerIdentity returned no ARN');
    return Arn;
  } catch (error) {
    if (error instanceof AwsReadError) throw error;
    throw new AwsReadError(`sts:GetCallerIdentity failed: ${(error as Error).message}`, { cause: error });
  } finally {
    clients.destroy();
  }
}

/** `sources`: every usage source with its last report time, image count and freshness. */
export async function sourcesCommand(flags: Flags, io: Io): Promise<number> {
  const cfg = await config(flags);
  const open = await openLedger(flags);
  try {
    const scope = await scopeFor(open.ledger, flags, io);
    const now = io.clock().toISOString();
    const sources = await listSources(open.reports, scope, cfg, now);
    reportWarnings(io, sources.filter((s) => s.stale).map((s) => staleSourceWarning(s, now)));
    print(io, flags, { scope, sources }, () => sources.length === 0
      ? 'No usage sources have reported (ecr-ledger report-usage).'
      : table(['SOURCE', 'LAST REPORT', 'IMAGES', 'STALE AFTER H', 'STATUS', 'PRINCIPAL'], sources.map((s) => [s.name, s.reportedAt, String(s.images), String(s.staleAfterHours), s.stale ? 'STALE' : 'fresh', s.principal ?? (s.name.startsWith('eks:') ? '(the reconcile)' : '-')]), new Set([2, 3])));
    return 0;
  } finally {
    await open.close();
  }
}
