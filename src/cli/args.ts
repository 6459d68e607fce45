import { durationMs } from '../domain/duration.js';
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import { COMMANDS } from './command-specs.js';

const OPTIONS = {
  snapshot: { type: 'string' },
  ledger: { type: 'string' },
  table: { type: 'string' },
  config: { type: 'string' },
  now: { type: 'string' },
  output: { type: 'string', short: 'o' },
  account: { type: 'string' },
  scope: { type: 'string' },
  region: { type: 'string' },
  reason: { type: 'string' },
  out: { type: 'string' },
  profile: { type: 'string' },
  quiet: { type: 'boolean', default: false },
  offline: { type: 'boolean', default: false },
  force: { type: 'boolean', default: false },
  'override-dry-run': { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
  preview: { type: 'boolean', default: false },
  since: { type: 'string' },
  'webhook-url': { type: 'string' },
  source: { type: 'string' },
  expires: { type: 'string' },
  'from-kubernetes': { type: 'boolean', default: false },
  'from-ecrm': { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  url: { type: 'string' },
  stage: { type: 'string' },
  limit: { type: 'string' },
  run: { type: 'string' },
  organization: { type: 'boolean', default: false },
  debug: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', default: false },
} as const;

export interface Flags {
  snapshot?: string;
  ledger?: string;
  table?: string;
  config?: string;
  now?: string;
  output: 'table' | 'json';
  account?: string;
  scope?: string;
  region?: string;
  reason?: string;
  out?: string;
  profile?: string;
  quiet: boolean;
  offline: boolean;
  force: boolean;
  'override-dry-run': boolean;
  'dry-run': boolean;
  'from-ecrm'?: string;
  preview: boolean;
  since?: string;
  'webhook-url'?: string;
  source?: string;
  expires?: string;
  'from-kubernetes': boolean;
  kubeconfig?: string;
  context?: string;
  url?: string;
  stage?: string;
  limit?: string;
  run?: string;
  organization: boolean;
  debug: boolean;
  help: boolean;
  version: boolean;
}

/**
 * Splits the command line into command, flags and positional arguments. A flag the command does not take, a
 * single-value flag given twice and a positional argument too many are usage errors naming them.
 * `ECR_LEDGER_TABLE` and `ECR_LEDGER_CONFIG` stand for `--table` and `--config` where the command takes them (flags win).
 */
export function parseCommandLine(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): { command?: string; flags: Flags; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true, tokens: true });
  } catch (cause) {
    // An option no command takes: one line naming it, and where the command's options are listed.
    const unknown = /^Unknown option '([^']+)'/.exec((cause as Error).message);
    const command = argv.find((a) => !a.startsWith('-'));
    if (unknown) throw new UsageError(`unknown option ${unknown[1]} (see \`ecr-ledger help${command !== undefined && COMMANDS[command] ? ` ${command}` : ''}\`)`, { cause });
    throw new UsageError((cause as Error).message.split('\n')[0]!, { cause });
  }
  const [command, ...positionals] = parsed.positionals;
  const given = parsed.tokens.filter((t) => t.kind === 'option').map((t) => (t as { name: string }).name);
  for (const name of new Set(given)) {
    if (OPTIONS[name as keyof typeof OPTIONS].type === 'string' && given.filter((g) => g === name).length > 1) throw new UsageError(`--${name} is given more than once`);
  }
  const values = { output: 'table', ...parsed.values } as Omit<Flags, 'output'> & { output: string };
  if (values.output !== 'table' && values.output !== 'json') throw new UsageError(`--output ${values.output}: expected table or json`);
  const spec = command === undefined ? undefined : COMMANDS[command];
  if (spec) {
    const foreign = [...new Set(given)].filter((name) => !spec.flags.includes(name) && name !== 'version');
    if (foreign.length > 0) throw new UsageError(`${command} does not take ${foreign.map((f) => `--${f}`).join(', ')} (see \`ecr-ledger help ${command}\`)`);
    if (!values.help && positionals.length > spec.positionals.max) {
      const extra = positionals.slice(spec.positionals.max);
      throw new UsageError(`${command} takes ${spec.positionals.max === 0 ? 'no arguments' : `at most ${spec.positionals.max} ${spec.positionals.name}`}: unexpected ${extra.map((e) => JSON.stringify(e)).join(' ')}`);
    }
    if (spec.flags.includes('table') && values.table === undefined && values.ledger === undefined && env.ECR_LEDGER_TABLE) values.table = env.ECR_LEDGER_TABLE;
    if (spec.flags.includes('config') && values.config === undefined && env.ECR_LEDGER_CONFIG) values.config = env.ECR_LEDGER_CONFIG;
  }
  return { ...(command !== undefined && { command }), flags: values as Flags, positionals };
}

/**
 * `runs --since`: a duration back from now (`24h`, `7d`, `P1W`), a day (`2026-11-21`: from its start, UTC), `today` or
 * `yesterday` (UTC days), or a time as parseTime takes it.
 */
export function parseSince(text: string, now: Date): string {
  const ms = durationMs(text);
  if (ms !== undefined) return new Date(now.getTime() - ms).toISOString();
  const startOfDay = (d: Date) => `${d.toISOString().slice(0, 10)}T00:00:00.000Z`;
  if (text === 'today') return startOfDay(now);
  if (text === 'yesterday') return startOfDay(new Date(now.getTime() - 86_400_000));
  if (/^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`)) && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text)) return `${text}T00:00:00.000Z`;
  try {
    return parseTime(text, '--since');
  } catch {
    throw new UsageError(`--since ${text}: expected a duration (24h, 7d, P1W), a day (2026-11-21, today, yesterday; UTC) or a time with a zone (2026-11-21T03:00:00Z)`);
  }
}

/** `--now`, `--since`: ISO-8601 with a zone, or epoch seconds; anything a reader could take two ways is an error. */
export function parseTime(text: string, flag: string): string {
  if (/^\d{1,12}$/.test(text)) return new Date(Number(text) * 1000).toISOString();
  const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;
  const ms = Date.parse(text);
  if (!iso.test(text) || Number.isNaN(ms)) throw new UsageError(`${flag} ${text}: expected an ISO-8601 time with a zone (e.g. 2026-11-20T03:00:00Z) or epoch seconds`);
  return new Date(ms).toISOString();
}

export const USAGE = `ecr-ledger — which ECR image is used by what, and which can safely go

Usage: ecr-ledger COMMAND [options]

Commands:
  snapshot  --out FILE|- | --organization --out DIR        read live AWS and write an account snapshot (one per scope of the organisation)
  reconcile [--snapshot FILE] (--ledger DIR | --table NAME)  load a snapshot, or live AWS, into the ledger
  plan      [SOURCE] [--config FILE] [--now ISO]           what the retention rules would delete, and why
  who-uses  IMAGE [SOURCE]                                 every referrer of an image
  explain   IMAGE [SOURCE] [--config FILE] [--now ISO]     why one image is kept or would be deleted
  pin       IMAGE --reason TEXT [--expires ISO|DURATION] (--ledger DIR | --table NAME)  protect an image for consumers the ledger cannot see
  unpin     IMAGE [--reason TEXT] (--ledger DIR | --table NAME)  remove an image's pins (or the one with that reason)
  pins      [IMAGE] (--ledger DIR | --table NAME)          every pin, its reason, expiry and whether it still protects
  ingest    FILE... (--ledger DIR | --table NAME) [--offline]  replay EventBridge events (JSON, JSON array or JSON Lines)
  sweep     (--ledger DIR | --table NAME) [--force]        delete what the plan deletes, after a live check; dry run unless --force
            [--snapshot FILE]                              rehearse: the snapshot stands in for live AWS (never deletes)
  history   [IMAGE] (--ledger DIR | --table NAME) [--since ISO]  what the sweep deleted or archived, and why
  runs      [RUN_ID] (--ledger DIR | --table NAME) [--since ISO] [--limit N]  the sweep's runs, newest first; one run's images and why
  restore   (IMAGE... | --run RUN_ID) (--ledger DIR | --table NAME) [--force]  archived images back to standard storage; dry run unless --force
  purge-repository REPO [--force] [--ledger DIR | --table NAME]  empty a repository about to be deleted; refuses if in use
  upgrade   (--ledger DIR | --table NAME)                  convert a ledger of an older layout in place (resumable)
  config check FILE                                        validate a config file (exit 0, or 2 naming file, key and line)
  doctor    --stage STAGE [--config FILE]                  check a deployed stack, read only (exit 5 with findings, each with its fix)
  init      [SOURCE] [--out FILE]                          write a commented starter config from the account (never overwrites)
  report-usage --source NAME [--from-kubernetes] [FILE|-] (--ledger DIR | --table NAME | --url URL)  the images a source runs now
  sources   (--ledger DIR | --table NAME)                  usage sources, their last report and whether they are stale
  notice    (--ledger DIR | --table NAME) [--webhook-url URL] [--dry-run [--now ISO]]  announce the deletions of the next days (records the announcement)
  report    --out DIR [SOURCE]                             write the static HTML report (opens from file://)
  lifecycle-check [SOURCE] [--preview]                     ECR lifecycle rules that would expire or archive images in use (exit 6)

SOURCE: --snapshot FILE | --ledger DIR (embedded, on disk) | --table NAME (DynamoDB) | none: read live AWS now
IMAGE:  repo:tag | repo@sha256:… | ACCOUNT.dkr.ecr.REGION.amazonaws.com/repo[:tag][@sha256:…]
AWS:    --region NAME, --profile NAME, the standard credential chain and AWS_ENDPOINT_URL[_ECR|_ECS|_LAMBDA]

Options: --output table|json, --scope ACCOUNT/REGION (which of the ledger's scopes), --account ID, --quiet (no progress on stderr), --debug (stack traces), -h/--help
Exit codes: 0 ok, 1 runtime error, 2 usage/config/input error, 3 not found, 4 refused, 5 partly failed (e.g. ingest skipped events; doctor: findings), 6 findings (lifecycle-check: in-use images at risk)`;
