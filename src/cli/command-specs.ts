/** What each command takes: its flags, its positional arguments, what it does, and which exit codes it uses. */
export interface CommandSpec {
  readonly synopsis: string;
  readonly summary: string;
  readonly flags: readonly string[];
  readonly positionals: { readonly min: number; readonly max: number; readonly name?: string };
  readonly exitCodes: readonly number[];
}

const COMMON = ['output', 'debug', 'help', 'quiet'];
const LEDGER = ['ledger', 'table', 'region', 'profile'];
const SCOPE = ['scope', 'account'];
const READ = ['snapshot', ...LEDGER, ...SCOPE, 'config', 'now'];

export const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  snapshot: { synopsis: 'snapshot --out FILE|- [--region R] [--profile P] [--config FILE] | snapshot --organization --config FILE --out DIR', summary: 'read live AWS and write an account snapshot (with --organization: one per scope of the organisation)', flags: [...COMMON, 'out', 'region', 'profile', 'config', 'organization'], positionals: { min: 0, max: 0 }, exitCodes: [0, 1, 2, 5] },
  reconcile: { synopsis: 'reconcile [--snapshot FILE|DIR] (--ledger DIR | --table NAME) [--config FILE] [--now TIME]', summary: 'load a snapshot, or live AWS (every account of the organisation with `organization`), into the ledger', flags: [...COMMON, 'snapshot', ...LEDGER, 'config', 'now'], positionals: { min: 0, max: 0 }, exitCodes: [0, 1, 2, 4, 5] },
  plan: { synopsis: 'plan [SOURCE] [--config FILE] [--now TIME]', summary: 'what the retention rules would delete, and why', flags: [...COMMON, ...READ], positionals: { min: 0, max: 0 }, exitCodes: [0, 1, 2, 3, 4] },
  'who-uses': { synopsis: 'who-uses IMAGE [SOURCE]', summary: 'every referrer of an image, protecting or not, with why', flags: [...COMMON, ...READ], positionals: { min: 1, max: 1, name: 'IMAGE' }, exitCodes: [0, 1, 2, 3, 4] },
  explain: { synopsis: 'explain IMAGE [SOURCE] [--config FILE] [--now TIME]', summary: 'why one image is kept or would be deleted', flags: [...COMMON, ...READ], positionals: { min: 1, max: 1, name: 'IMAGE' }, exitCodes: [0, 1, 2, 3, 4] },
  pin: { synopsis: 'pin IMAGE --reason TEXT [--expires ISO|DURATION] (--ledger DIR | --table NAME)', summary: 'protect an image for consumers the ledger cannot see (one pin per reason; --expires ends it)', flags: [...COMMON, ...LEDGER, ...SCOPE, 'reason', 'expires'], positionals: { min: 1, max: 1, name: 'IMAGE' }, exitCodes: [0, 1, 2, 3, 4] },
  unpin: { synopsis: 'unpin IMAGE [--reason TEXT] (--ledger DIR | --table NAME)', summary: 'remove the pins of an image (or the one with that reason)', flags: [...COMMON, ...LEDGER, ...SCOPE, 'reason'], positionals: { min: 1, max: 1, name: 'IMAGE' }, exitCodes: [0, 1, 2, 3, 4] },
  pins: { synopsis: 'pins [IMAGE] (--ledger DIR | --table NAME)', summary: 'every pin with its reason, expiry and whether it still protects', flags: [...COMMON, ...LEDGER, ...SCOPE], positionals: { min: 0, max: 1, name: 'IMAGE' }, exitCodes: [0, 1, 2, 3, 4] },
  ingest: { synopsis: 'ingest FILE... (--ledger DIR | --table NAME) [--offline] [--config FILE]', summary: 'replay EventBridge events (JSON, JSON array or JSON Lines)', flags: [...COMMON, ...LEDGER, 'offline', 'config'], positionals: { min: 1, max: Infinity, name: 'FILE' }, exitCodes: [0, 1, 2, 4, 5] },
  sweep: { synopsis: 'sweep (--ledger DIR | --table NAME) [--force [--override-dry-run]] [--snapshot FILE] [--config FILE] [--now TIME (dry runs only)]', summary: 'delete what the plan deletes, after a live check; a dry run unless --force', flags: [...COMMON, ...LEDGER, ...SCOPE, 'snapshot', 'config', 'now', 'force', 'override-dry-run'], positionals: { min: 0, max: 0 }, exitCodes: [0, 1, 2, 3, 4, 5] },
  history: { synopsis: 'history [IMAGE] (--ledger DIR | --table NAME) [--since WHEN]', summary: 'what the sweep deleted or archived, and why', flags: [...COMMON, ...LEDGER, ...SCOPE, 'since', 'config'], positionals: { min: 0, max: 1, name: 'IMAGE' }, exitCodes: [0, 1, 2, 3, 4] },
  runs: { synopsis: 'runs [RUN_ID | latest | diff RUN_A RUN_B] (--ledger DIR | --table NAME) [--since WHEN] [--limit N]', summary: 'the sweep runs recorded (dry runs, rehearsals, deleting runs), newest first; with RUN_ID or latest, its images and why; diff compares two runs', flags: [...COMMON, ...LEDGER, ...SCOPE, 'since', 'limit'], positionals: { min: 0, max: 3, name: 'RUN_ID' }, exitCodes: [0, 1, 2, 3, 4] },
  restore: { synopsis: 'restore (IMAGE... | --run RUN_ID) (--ledger DIR | --table NAME) [--force]', summary: 'archived images back to the standard storage class (a pull works again once ACTIVE); a dry run unless --force', flags: [...COMMON, ...LEDGER, ...SCOPE, 'run', 'force', 'config'], positionals: { min: 0, max: Infinity, name: 'IMAGE' }, exitCodes: [0, 1, 2, 3, 4, 5] },
  'purge-repository': { synopsis: 'purge-repository REPO [--force] [--ledger DIR | --table NAME]', summary: 'empty a repository about to be deleted; refuses if an image is in use', flags: [...COMMON, ...LEDGER, ...SCOPE, 'config', 'force', 'now'], positionals: { min: 1, max: 1, name: 'REPO' }, exitCodes: [0, 1, 2, 3, 4, 5] },
  'lifecycle-check': { synopsis: 'lifecycle-check [SOURCE] [--preview] [--config FILE] [--now TIME]', summary: 'the images ECR lifecycle policies would expire or archive now although they are in use', flags: [...COMMON, ...READ, 'preview'], positionals: { min: 0, max: 0 }, exitCodes: [0, 1, 2, 3, 4, 6] },
  init: { synopsis: 'init [SOURCE] [--out FILE] [--organization] | init --from-ecrm FILE [--out FILE]', summary: 'write a commented starter config from the account (never overwrites); --organization adds the organisation\'s accounts; --from-ecrm converts an ecrm config', flags: [...COMMON, 'snapshot', ...LEDGER, ...SCOPE, 'now', 'out', 'organization', 'from-ecrm'], positionals: { min: 0, max: 0 }, exitCodes: [0, 1, 2, 3, 4] },
  report: { synopsis: 'report --out DIR [SOURCE] [--config FILE] [--now TIME]', summary: 'write the static HTML report (index.html + report.json, no network needed)', flags: [...COMMON, ...READ, 'out'], positionals: { min: 0, max: 0 }, exitCodes: [0, 1, 2, 3, 4] },
  notice: { synopsis: 'notice (--ledger DIR | --table NAME) [--config FILE] [--webhook-url URL] [--dry-run [--now TIME]] [--output table|json]', summary: 'announce the deletions planned within notice.daysAhead days and record the announcement (--dry-run: print it, record and send nothing)', flags: [...COMMON, ...LEDGER, ...SCOPE, 'config', 'webhook-url', 'dry-run', 'now'], positionals: { min: 0, max: 0 }, exitCodes: [0, 1, 2, 3, 4, 5] },
  'report-usage': { synopsis: 'report-usage --source NAME [--from-kubernetes [--kubeconfig F --context C]] [FILE|-] (--ledger DIR | --table NAME | --url FUNCTION_URL)', summary: 'send the full set of images a source (a cluster, anything) runs now; it replaces the previous report', flags: [...COMMON, ...LEDGER, ...SCOPE, 'source', 'from-kubernetes', 'kubeconfig', 'context', 'url'], positionals: { min: 0, max: 1, name: 'FILE' }, exitCodes: [0, 1, 2, 3, 4] },
  sources: { synopsis: 'sources (--ledger DIR | --table NAME) [--config FILE]', summary: 'every usage source with its last report time, image count and whether it is stale', flags: [...COMMON, ...LEDGER, ...SCOPE, 'config'], positionals: { min: 0, max: 0 }, exitCodes: [0, 1, 2, 3, 4] },
  upgrade: { synopsis: 'upgrade (--ledger DIR | --table NAME)', summary: 'convert a ledger of an older layout in place (resumable)', flags: [...COMMON, ...LEDGER], positionals: { min: 0, max: 0 }, exitCodes: [0, 1, 2, 4] },
  doctor: { synopsis: 'doctor --stage STAGE [--config FILE] [--region R] [--profile P]', summary: 'check a deployed stack, read only: its roles against what the code calls, members, CloudTrail, the ledger, dry run', flags: [...COMMON, 'stage', 'config', 'region', 'profile'], positionals: { min: 0, max: 0 }, exitCodes: [0, 1, 2, 5] },
  config: { synopsis: 'config check FILE', summary: 'validate a config file as every command and the deployed stack read it', flags: [...COMMON], positionals: { min: 2, max: 2, name: 'check FILE' }, exitCodes: [0, 2] },
};

/** Exit codes of the CLI contract. */
export const EXIT = { ok: 0, runtime: 1, usage: 2, notFound: 3, refused: 4, partial: 5, findings: 6 } as const;

const EXIT_WORDS: Readonly<Record<number, string>> = { 0: 'ok', 1: 'runtime error (AWS, I/O)', 2: 'usage, config or input error', 3: 'not found', 4: 'refused', 5: 'partly failed', 6: 'in-use images at risk (findings)' };

/** One line per flag, as `help COMMAND` lists them. */
const FLAG_WORDS: Readonly<Record<string, readonly [string, string]>> = {
  output: ['-o, --output table|json', 'the output: a table for people (default), JSON for scripts'],
  debug: ['--debug', 'print the stack trace of an error'],
  quiet: ['--quiet', 'no progress lines on stderr'],
  snapshot: ['--snapshot FILE', 'read an account snapshot instead of live AWS or a ledger'],
  ledger: ['--ledger DIR', 'the embedded ledger, kept in DIR'],
  table: ['--table NAME', 'a DynamoDB ledger table (a name or its ARN; ECR_LEDGER_TABLE)'],
  region: ['--region NAME', 'the AWS region (else AWS_REGION or the profile\'s)'],
  profile: ['--profile NAME', 'the AWS profile whose credentials are used'],
  scope: ['--scope ACCOUNT/REGION', 'which of the ledger\'s scopes (accounts and regions) to act on'],
  account: ['--account ID', 'which account of the ledger to act on'],
  config: ['--config FILE', 'the config file, YAML or JSON (ECR_LEDGER_CONFIG; absent: every default)'],
  now: ['--now TIME', 'evaluate at this time instead of now'],
  out: ['--out PATH', 'where to write the result'],
  reason: ['--reason TEXT', 'who uses the image, in words'],
  expires: ['--expires ISO|DURATION', 'when the pin ends (2027-01-31, 30d, 12h, P2W)'],
  force: ['--force', 'act (delete, archive, purge): without it, a dry run'],
  'from-ecrm': ['--from-ecrm FILE', 'convert ecrm\'s config (ecrm.yaml) into an ecr-ledger config, each rule commented with where it came from'],
  'override-dry-run': ['--override-dry-run', 'with --force: delete although the config says sweep.dryRun: true (the deployed stack\'s switch)'],
  organization: ['--organization', 'every scope of the config\'s organisation (its reader roles, or each account\'s profile)'],
  run: ['--run RUN_ID', 'every image that sweep run archived'],
  limit: ['--limit N', 'at most N runs, newest first (default 20)'],
  stage: ['--stage STAGE', 'the stage the stack was deployed with (its name is ecr-ledger-STAGE)'],
  'dry-run': ['--dry-run', 'compute and print; send and record nothing'],
  offline: ['--offline', 'apply only what the events carry (no AWS lookups)'],
  preview: ['--preview', 'also ask ECR for its lifecycle-policy preview and compare'],
  since: ['--since WHEN', 'only what happened from then on: 24h, 7d, P1W, 2026-11-21, today, yesterday (UTC), or a time with its zone'],
  'webhook-url': ['--webhook-url URL', 'also post the notice to this Slack-compatible webhook'],
  source: ['--source NAME', 'the usage source (a cluster, a system) the report is from'],
  'from-kubernetes': ['--from-kubernetes', 'read the images from the cluster of the current kube context'],
  kubeconfig: ['--kubeconfig FILE', 'the kubeconfig to read (with --from-kubernetes)'],
  context: ['--context NAME', 'the kube context to read (with --from-kubernetes)'],
  url: ['--url FUNCTION_URL', 'send the report to the deployed usage-report function URL'],
};

/** `ecr-ledger help COMMAND` and `COMMAND --help`: its flags only, each with one line; SOURCE and TIME where they apply. */
export function commandHelp(name: string): string {
  const spec = COMMANDS[name]!;
  const flags = spec.flags.filter((f) => f !== 'help').map((f) => FLAG_WORDS[f] ?? [`--${f}`, '']);
  const width = Math.max(...flags.map(([flag]) => flag.length));
  const takesSource = spec.synopsis.includes('SOURCE');
  const takesTime = spec.flags.includes('now') || spec.flags.includes('since');
  return [
    `ecr-ledger ${spec.synopsis}`, '', `  ${spec.summary}`, '',
    'Flags:', ...flags.map(([flag, words]) => `  ${flag.padEnd(width)}  ${words}`.trimEnd()),
    ...(takesSource ? ['', 'SOURCE: --snapshot FILE | --ledger DIR | --table NAME (or ARN) | none: live AWS'] : []),
    ...(takesTime ? ['TIME: ISO-8601 with a zone (2026-11-20T03:00:00Z, 2026-11-20T04:00:00+01:00) or epoch seconds'] : []),
    '', `Exit codes: ${spec.exitCodes.map((c) => `${c} ${EXIT_WORDS[c]}`).join(', ')}`,
  ].join('\n');
}
