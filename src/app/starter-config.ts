import { aboveArchiveTier, type Pricing } from '../domain/plan-summary.js';
import { formatBytes } from '../domain/bytes.js';
import { runsWorkloads, workloadText, type RegionProbe } from '../domain/region-probe.js';
import { defaultConfig } from '../config.js';
import { groupBy } from '../domain/group-by.js';
import { repositoryGrants, sharingReason } from '../domain/repository-grants.js';
import type { LifecycleCheckReport } from './lifecycle-check.js';
import type { FactView } from './plan.js';

export interface StarterConfig {
  /** The config file: YAML with comments, loadable as it is. */
  readonly text: string;
  readonly rules: number;
  readonly repositories: number;
  /** What needs a person's attention before the first sweep (also written into the file as comments). */
  readonly warnings: readonly string[];
}

const LISTED = 12;
const q = (text: string) => JSON.stringify(text);
const repositoriesWord = (n: number) => `${n} ${n === 1 ? 'repository' : 'repositories'}`;
const listed = (names: readonly string[]) => names.length <= LISTED ? names.join(', ') : `${names.slice(0, LISTED).join(', ')} and ${names.length - LISTED} more`;

/** Repositories by namespace (the part of the name before the first `/`); names without one share the catch-all rule. */
function namespaces(names: readonly string[]): { groups: Map<string, string[]>; topLevel: string[] } {
  const nested = names.filter((n) => n.includes('/'));
  return { groups: groupBy(nested, (n) => n.slice(0, n.indexOf('/'))), topLevel: names.filter((n) => !n.includes('/')) };
}

function lifecycleWarnings(report: LifecycleCheckReport): string[] {
  return report.repositories.map((repo) => {
    const inUse = repo.rules.flatMap((rule) => rule.endangered.map((e) => `${e.imageTags[0] ?? e.imageDigest.slice(0, 19)} (rule ${rule.rulePriority}, used by ${e.usedBy.map((u) => u.id.split('/').pop()).join(', ')})`));
    return inUse.length > 0
      ? `${repo.repositoryName} has an ECR lifecycle policy that would ${repo.rules.map((r) => r.action).includes('transition') ? 'expire or archive' : 'expire'} ${inUse.length} image(s) in use now: ${inUse.join('; ')}. ECR does not know what runs: remove the policy or run \`ecr-ledger lifecycle-check\``
      : `${repo.repositoryName} has an ECR lifecycle policy; it spares everything in use today, but ECR deletes without asking what runs: consider removing it`;
  });
}

/**
 * `init`: a commented starter config written from what the account holds — one rule per namespace of repositories
 * with the default retention, the clusters and functions seen, and warnings for lifecycle policies and shared
 * repositories. Everything it writes is a default or a comment: it loads as it is and changes no safety setting.
 */
/** With `init --organization`: the member accounts, from Organizations, or (as a comment to check) the repository policies. */
export interface StarterOrganization {
  readonly accounts: readonly string[];
  readonly organizationId?: string;
  readonly from: 'organizations' | 'policies';
}

/** What archiving buys in this registry: below the archive tier it saves nothing, and costs its minimum billing and restores. */
function archiveComment(storedBytes: number, pricing: Pricing): string {
  if (aboveArchiveTier(storedBytes, pricing)) return `this registry stores ${formatBytes(storedBytes)}, above ${pricing.archiveTierTb} TB: archiving saves the price difference`;
  return `archiving saves nothing below ${pricing.archiveTierTb} TB/month (this registry stores ${formatBytes(storedBytes)}); it buys undo at ${pricing.restoreUsdPerGb} USD/GB per restore, billed ${pricing.archiveMinimumDays} days at least`;
}

export function starterConfig(view: FactView, lifecycle: LifecycleCheckReport, source: string, organization?: StarterOrganization): StarterConfig {
  const { facts } = view;
  const names = facts.repositories.map((r) => r.repositoryName).sort();
  const imagesOf = groupBy(facts.images, (i) => i.repositoryName);
  // One line per reason, not per repository (a registry shared with the whole organisation shares thousands alike).
  const sharing = groupBy(facts.repositories.flatMap((r) => {
    const why = sharingReason(repositoryGrants(r.policyText, facts.scope.accountId));
    return why === undefined ? [] : [{ name: r.repositoryName, why }];
  }), (s) => s.why);
  const shared = [...sharing].map(([why, list]) => {
    const named = list.map((s) => s.name).sort();
    const which = named.length === 1 ? named[0]! : `${named.length} repositories (${named.slice(0, 3).join(', ')}${named.length > 3 ? ` and ${named.length - 3} more` : ''})`;
    return `${which} ${named.length === 1 ? 'is' : 'are'} shared with other accounts (${why}): kept whole while keepIfSharedWithOtherAccounts is true`;
  });
  const warnings = [...lifecycleWarnings(lifecycle), ...shared];
  const d = defaultConfig();
  const rule = (pattern: string, comment: string) => [
    `  # ${comment}`,
    `  - pattern: ${q(pattern)}`,
    `    keepLatest: ${d.repositories[0]!.keepLatest}            # the newest N unprotected images stay`,
    `    olderThanDays: ${d.repositories[0]!.olderThanDays}         # nothing younger is deleted`,
    `    graceDays: ${d.repositories[0]!.graceDays}              # days an image must have been unreferenced`,
    '    keepTags: ["latest"]',
    `    keepPulledWithinDays: ${d.repositories[0]!.keepPulledWithinDays}  # pulled recently = kept`,
    `    keepIfSharedWithOtherAccounts: true`,
  ];
  const { groups, topLevel } = namespaces(names);
  const count = (repos: readonly string[]) => repos.reduce((n, r) => n + (imagesOf.get(r)?.length ?? 0), 0);
  const lines = [
    `# ecr-ledger starter config, written by \`ecr-ledger init\` from ${source}`,
    `# (account ${facts.scope.accountId}, region ${facts.scope.region}, ${names.length} repositories, ${facts.images.length} images).`,
    '# Every value is the default: edit the rules, then run `ecr-ledger plan` to see what they would delete.',
    '# The sweep is a dry run until it is run with --force (or deployed with dryRun=false).',
    ...(warnings.length > 0 ? ['#', '# Before the first sweep, look at:', ...warnings.map((w) => `#   WARNING: ${w}`)] : []),
    '',
    '# Repository rules: the first pattern that matches a repository name wins; `*` also matches across `/`.',
    'repositories:',
    ...[...groups].sort(([a], [b]) => a.localeCompare(b)).flatMap(([namespace, repos]) =>
      rule(`${namespace}/*`, `${repositoriesWord(repos.length)}, ${count(repos)} images: ${listed(repos)}`)),
    ...rule('*', topLevel.length > 0 ? `everything else: ${repositoriesWord(topLevel.length)}, ${count(topLevel)} images: ${listed(topLevel)}` : 'everything else'),
    '',
    '# ECS: the protection window of each task-definition family.',
    'ecs:',
    `  rollbackRevisions: ${d.ecs.rollbackRevisions}`,
    `  keepLatestRevisions: ${d.ecs.keepLatestRevisions}`,
    `  stoppedTaskRetentionHours: ${d.ecs.stoppedTaskRetentionHours}`,
    '',
    '# What is read for usage. Narrowing it hides consumers: an image used only outside the scope is not protected.',
    ...scopeComment('clusters', [...new Set([...facts.services.map((s) => s.clusterArn), ...facts.tasks.map((t) => t.clusterArn)])].map((arn) => arn.split('/').pop()!).sort()),
    ...scopeComment('functions', [...new Set(facts.lambdaFunctions.map((f) => f.functionName))].sort()),
    ...regionComment(facts.scope.accountId, facts.scope.region, view.others?.probes),
    'scope:',
    '  clusters: ["*"]',
    '  functions: ["*"]',
    '  ignoreRegions: []          # regions whose workloads do not pull from this registry (never a replication destination)',
    '',
    'sweep:',
    `  maxDeletionsPerRun: ${d.sweep.maxDeletionsPerRun}`,
    `  maxLedgerAgeHours: ${d.sweep.maxLedgerAgeHours}`,
    `  minimumImageAgeHours: ${d.sweep.minimumImageAgeHours}`,
    `  auditRetentionDays: ${d.sweep.auditRetentionDays}`,
    `  action: ${d.sweep.action}            # or archive (ECR's archive storage class): ${archiveComment(facts.images.reduce((n, i) => n + (i.childDigests.length > 0 ? 0 : i.imageSizeInBytes), 0), d.pricing)}`,
    '',
    ...(organization ? organizationSection(organization, facts.scope) : []),
  ];
  return { text: lines.join('\n'), rules: groups.size + 1, repositories: names.length, warnings };
}

/** What the region probe found in the account's other regions: each is in the reach of every deletion. */
function regionComment(accountId: string, home: string, probes: readonly RegionProbe[] | undefined): string[] {
  const probe = probes?.find((p) => p.accountId === accountId);
  if (!probe) return ['# other regions with workloads: not probed yet (a live `reconcile` probes every enabled region)'];
  const found = probe.regions.filter((w) => w.region !== home && runsWorkloads(w)).map((w) => `${w.region} (${workloadText(w)})`);
  return [
    `# other regions with workloads (region probe of ${probe.probedAt}): ${found.length > 0 ? found.join('; ') : 'none'}`,
    ...(found.length > 0 ? ['#   a deletion reaches them: reconcile them too, or list in ignoreRegions those whose workloads never pull from here'] : []),
  ];
}

function scopeComment(what: string, seen: readonly string[]): string[] {
  return [`# ${what} seen: ${seen.length > 0 ? listed(seen) : 'none'}`];
}

/** The `organization` section: the accounts Organizations lists, or those the repository policies name, commented out to check. */
function organizationSection(o: StarterOrganization, home: { accountId: string; region: string }): string[] {
  const members = o.accounts.filter((a) => a !== home.accountId).sort();
  // No account named (a registry shared with the whole organisation names none): the organisation's own accounts, discovered.
  const body = members.length === 0 ? [
    'organization:',
    '  discover: true   # every active account of the organisation (organizations:ListAccounts from the central account)',
    ...(o.organizationId ? [`  id: ${o.organizationId}`] : []),
    `  regions: [${home.region}]   # the regions the members run workloads in`,
    '  roleName: ecr-ledger-reader   # the reader role deploy/member-account.yml creates in each member',
  ] : [
    'organization:',
    ...(o.organizationId ? [`  id: ${o.organizationId}`] : []),
    '  accounts:',
    ...members.flatMap((a) => [`    - id: "${a}"`, `      regions: [${home.region}]`]),
    '  roleName: ecr-ledger-reader   # the reader role deploy/member-account.yml creates in each member',
  ];
  if (o.from === 'organizations') return [`# The organisation's ${members.length} other active account(s) (organizations:ListAccounts); add the regions each runs workloads in.`, ...body, ''];
  return [
    '# Organizations could not be asked (the caller may not list accounts): these are the accounts the repository policies',
    '# let pull. CHECK the list (the whole organisation, if organization.id is set), then uncomment it.',
    ...body.map((line) => `# ${line}`), '',
  ];
}
