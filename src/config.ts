import * as z from 'zod';
import { globProblem } from './domain/glob.js';
import { ConfigError } from './errors.js';

const count = z.number().int().nonnegative();
/** Every glob is checked when the config loads: a malformed one would silently match nothing. */
const glob = z.string().superRefine((pattern, ctx) => {
  const problem = globProblem(pattern);
  if (problem) ctx.addIssue({ code: 'custom', message: `not a valid glob ${JSON.stringify(pattern)}: ${problem}` });
});

const accountId = z.string().regex(/^\d{12}$/, 'expected a 12-digit account id');
const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'expected a region such as us-east-1');
/** An IAM role name (the path-less last part of its ARN). */
const roleName = z.string().regex(/^[\w+=,.@-]{1,64}$/, 'expected an IAM role name');

/** An organisation id, as in `aws:PrincipalOrgID`. */
/** One usage source's settings: its own staleAfterHours, and who may report it (ARN globs; default: its first reporter). */
const sourceSettings = z.strictObject({
  staleAfterHours: z.number().positive().optional(),
  principals: z.array(z.string().regex(/^(arn:aws[a-z-]*:(iam|sts)::[\d*?]{1,12}:\S+|\*)$/, 'expected an IAM or STS ARN pattern such as arn:aws:iam::123456789012:role/edge-reporter or arn:aws:sts::123456789012:assumed-role/edge-reporter')).min(1).optional(),
});

const organizationId = z.string().regex(/^o-[a-z0-9]{10,32}$/, 'expected an organization id: o- and 10 to 32 lowercase letters or digits');

const listedOrganization = z.strictObject({
  id: organizationId.optional(),
  /** `profile` (CLI only): read this account with a named AWS profile instead of assuming its reader role. */
  accounts: z.array(z.strictObject({ id: accountId, regions: z.array(region).min(1), profile: z.string().min(1).optional() })).min(1)
    .superRefine((accounts, ctx) => {
      const seen = new Set<string>();
      accounts.forEach((a, i) => {
        if (seen.has(a.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `account ${a.id} is listed twice: list each account once, with all its regions` });
        seen.add(a.id);
      });
    }),
  roleName: roleName.default('ecr-ledger-reader'),
});
const discoveredOrganization = z.strictObject({
  discover: z.literal(true),
  id: organizationId.optional(),
  regions: z.array(region).min(1),
  roleName: roleName.default('ecr-ledger-reader'),
});
/** Listed accounts, or `discover: true`: whichever form the keys say, so that errors name the key that is wrong. */
const organizationSchema = z.unknown().transform((value, ctx): z.infer<typeof listedOrganization> | z.infer<typeof discoveredOrganization> => {
  const form = typeof value === 'object' && value !== null && 'discover' in value ? discoveredOrganization : listedOrganization;
  const result = form.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  for (const issue of result.error.issues) ctx.addIssue({ ...issue, code: 'custom', message: issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.join(', ')} (organization takes id, accounts and roleName, or discover, id, regions and roleName)` : issueMessage(issue) } as never);
  return z.NEVER;
});

const repositoryRuleSchema = z.strictObject({
  pattern: glob,
  keepLatest: count.default(10),
  olderThanDays: count.default(30),
  graceDays: count.default(7),
  keepTags: z.array(glob).default(['latest']),
  keepPulledWithinDays: count.default(30),
  keepIfSharedWithOtherAccounts: z.boolean().default(true),
  /** How the images this rule selects go (absent: sweep.action): deleted, or archived first (ECR's archive storage class). */
  action: z.enum(['delete', 'archive']).optional(),
  /** Archived images this rule still selects are deleted once archived this many days (absent: sweep.deleteArchivedAfterDays). */
  deleteArchivedAfterDays: z.number().int().min(1).optional(),
});

export const configSchema = z.strictObject({
  repositories: z.array(repositoryRuleSchema).default([repositoryRuleSchema.parse({ pattern: '*' })]),
  ecs: z
    .strictObject({
      rollbackRevisions: count.default(1),
      keepLatestRevisions: count.default(1),
      stoppedTaskRetentionHours: count.default(24),
    })
    .prefault({}),
  scope: z
    .strictObject({
      clusters: z.array(glob).default(['*']),
      functions: z.array(glob).default(['*']),
      /** Read AWS Batch job definitions and App Runner services (turn off only where the account has none). */
      batch: z.boolean().default(true),
      appRunner: z.boolean().default(true),
      /**
       * Regions whose workloads do not pull from this registry: the region probe's findings there do not block. Never
       * removes a replication destination from the reach of a deletion.
       */
      ignoreRegions: z.array(region).default([]),
    })
    .prefault({}),
  sweep: z
    .strictObject({
      maxDeletionsPerRun: count.default(500),
      maxLedgerAgeHours: count.default(36),
      minimumImageAgeHours: count.default(24),
      auditRetentionDays: count.default(400),
      action: z.enum(['delete', 'archive']).default('delete'),
      /** With `archive`: an archived image the policy still selects is deleted once archived this many days (absent: never). */
      deleteArchivedAfterDays: z.number().int().min(1).optional(),
      /** The deployed sweep's dry run (the stack reads it; absent: dry run until the stage parameter dryRun says false). */
      dryRun: z.boolean().optional(),
    })
    .prefault({}),
  /**
   * ECR's prices, for the money the plan and the sweep report (defaults: us-east-1's published prices, 2026). Archive
   * storage costs what standard storage costs below `archiveTierTb` a month stored, `archiveUsdPerGbMonth` above it,
   * and is billed `archiveMinimumDays` at least; a restore costs `restoreUsdPerGb`.
   */
  pricing: z
    .strictObject({
      standardUsdPerGbMonth: z.number().nonnegative().default(0.1),
      archiveUsdPerGbMonth: z.number().nonnegative().default(0.07),
      archiveTierTb: z.number().nonnegative().default(150),
      archiveMinimumDays: z.number().int().nonnegative().default(90),
      restoreUsdPerGb: z.number().nonnegative().default(0.03),
    })
    .prefault({}),
  /** What the deployed stack takes from this file (deploy/stack-config.cjs): the repositories its sweep may delete from. */
  stack: z
    .strictObject({
      /** ECR repository ARNs (wildcards allowed in the name), in the stack's account and region. */
      /** The alarm topic encrypted with a KMS key the stack creates (its policy admits CloudWatch alarms). */
      alarmEncryption: z.boolean().optional(),
      managedRepositories: z.array(z.string().regex(/^arn:aws[a-z-]*:ecr:[a-z0-9-]+:\d{12}:repository\/.+$/, 'expected an ECR repository ARN: arn:aws:ecr:REGION:ACCOUNT:repository/NAME (wildcards allowed in NAME)')).min(1).optional(),
    })
    .optional(),
  /**
   * Organisation-wide: the member accounts (and regions) whose usage counts, read through the role `roleName` each of
   * them carries (deploy/member-account.yml). Either listed, or discovered with organizations:ListAccounts.
   */
  organization: organizationSchema.optional(),
  /** EKS clusters read agentlessly (globs on cluster names; none by default): each needs an access entry for ecr-ledger's role. */
  eks: z.strictObject({ clusters: z.array(glob).default([]) }).prefault({}),
  /** Opt-in evidence of use from other AWS services: Amazon Inspector's lastInUseAt for ECR images (ECS and EKS). */
  evidence: z
    .strictObject({ inspector: z.strictObject({ keepInUseWithinDays: z.number().int().positive() }).optional() })
    .prefault({}),
  /** Usage sources (`report-usage`): one not heard from within staleAfterHours is stale (it keeps protecting, and says so). */
  usageSources: z
    .object({
      staleAfterHours: z.number().positive().default(24),
      sources: z.record(z.string().min(1), sourceSettings).default({}),
    })
    // A source's settings may also sit directly under usageSources (`usageSources: { NAME: { principals } }`).
    .catchall(sourceSettings)
    .transform(({ staleAfterHours, sources, ...named }) => ({ staleAfterHours, sources: { ...(named as Record<string, z.infer<typeof sourceSettings>>), ...sources } }))
    .prefault({}),
  /** An archived image something uses is restored at once by the deployed event functions and reconcile (its next pull would fail). */
  restoreOnUse: z.boolean().default(true),
  /** Advance notice: announce deletions `daysAhead` days early; the sweep then deletes only what was announced that long ago. */
  notice: z
    .strictObject({
      daysAhead: z.number().int().min(1).default(3),
      sns: z.boolean().default(true),
      /** An SSM SecureString parameter holding a Slack-compatible incoming-webhook URL. */
      webhookParameter: z.string().min(1).optional(),
      /** The customer-managed KMS key that encrypts that SecureString (absent: the AWS-managed aws/ssm key, no grant needed). */
      webhookKmsKeyArn: z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]+$/, 'expected a KMS key ARN: arn:aws:kms:REGION:ACCOUNT:key/KEY-ID').optional(),
    })
    .optional(),
});

export type Config = z.infer<typeof configSchema>;
export type RepositoryRule = z.infer<typeof repositoryRuleSchema>;

/** The configuration with every default applied (what runs when no `--config` is given). */
export function defaultConfig(): Config {
  return configSchema.parse({});
}

/** Validates an already-parsed config object; `where` names the source in errors. */
export function parseConfig(raw: unknown, where = 'config'): Config {
  const result = configSchema.safeParse(raw ?? {}, { reportInput: true });
  if (result.success) return result.data;
  throw new ConfigError(`${where}: ${result.error.issues.map((issue) => describeIssue(issue)).join('; ')}`);
}

type Issue = z.core.$ZodIssue;

export function describeIssue(issue: Issue, lineOf?: (path: readonly PropertyKey[], key?: string) => number | undefined): string {
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
  return keys
    .map((key) => {
      const path = formatPath(key === undefined ? issue.path : [...issue.path, key]);
      const line = lineOf?.(issue.path, key);
      const at = line === undefined ? '' : ` (line ${line})`;
      const near = key === undefined || issue.path.length > 0 ? undefined : nearestKey(key, Object.keys(configSchema.shape));
      const message = key === undefined ? issueMessage(issue) : `unknown key${near ? ` (did you mean ${near}?)` : ''}`;
      return `${path || '(top level)'}${at}: ${message}`;
    })
    .join('; ');
}

function issueMessage(issue: Issue): string {
  if (issue.code === 'too_small' && issue.origin === 'number') {
    const min = Number(issue.minimum);
    if (min === 0 && issue.inclusive) return `must not be negative (got ${String(issue.input)})`;
    return `must be ${issue.inclusive ? 'at least' : 'more than'} ${min} (got ${String(issue.input)})`;
  }
  // YAML reads 123456789012 as a number (and drops an account id's leading zeros): ids are written in quotes.
  if (issue.code === 'invalid_type' && issue.expected === 'string' && typeof issue.input === 'number') return `expected a string, got the number ${String(issue.input)}: quote it ("${String(issue.input)}")`;
  if (issue.code === 'invalid_type' && issue.input === undefined) return `missing: expected ${issue.expected === 'array' ? 'a list' : `a ${issue.expected}`} here`;
  if (issue.code === 'invalid_type') return `expected ${issue.expected}, got ${typeOfInput(issue.input)}`;
  return issue.message;
}

function typeOfInput(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'array';
  return typeof input;
}

/** `repositories[0].keepLatest` from a zod path. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)), '');
}

/** A known key one or two edits from `key` (organisation → organization), if any. */
function nearestKey(key: string, known: readonly string[]): string | undefined {
  const distance = (a: string, b: string) => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i += 1) {
      let previous = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j += 1) {
        const held = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
        previous = held;
      }
    }
    return row[b.length]!;
  };
  const [best] = known.map((k) => ({ k, d: distance(key.toLowerCase(), k.toLowerCase()) })).filter((c) => c.d <= 2).sort((x, y) => x.d - y.d);
  return best?.k;
}
