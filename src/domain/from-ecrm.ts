import { parse } from 'yaml';

/**
 * ecrm's config (github.com/fujiwara/ecrm: `clusters`, `task_definitions`, `lambda_functions`, `repositories`,
 * `exclude_files`) as an ecr-ledger config: each rule with a comment quoting the ecrm entry it came from and what
 * differs in meaning. Pure: text in, text out.
 */
export interface FromEcrm {
  readonly text: string;
  readonly rules: number;
  /** What could not be carried over, or means something else here: said on stderr and in the file. */
  readonly warnings: readonly string[];
}

type Entry = Record<string, unknown>;
const KNOWN = new Set(['clusters', 'task_definitions', 'lambda_functions', 'repositories', 'exclude_files']);
/** ecrm's defaults (config.go): keep_count 5 for task definitions and functions, keep_tag_patterns [latest]. */
const ECRM_KEEP_COUNT = 5;

export class EcrmConfigError extends Error {}

/** ecrm's `expires` (k1LoW/duration: 30d, 30days, 90 days, 2w, 720h) in whole days, rounded up. */
export function ecrmDays(text: string, where: string): number {
  const m = /^\s*(\d+)\s*(d|days?|w|weeks?|h|hours?)\s*$/i.exec(text);
  if (!m) throw new EcrmConfigError(`${where}: expires "${text}" is not a duration ecr-ledger can read (days, weeks or hours: 30d, 90 days, 2w, 720h)`);
  const n = Number(m[1]);
  const unit = m[2]!.toLowerCase();
  return unit.startsWith('w') ? n * 7 : unit.startsWith('h') ? Math.ceil(n / 24) : n;
}

const nameOf = (e: Entry, where: string): string => {
  const name = typeof e.name === 'string' && e.name !== '' ? e.name : typeof e.name_pattern === 'string' && e.name_pattern !== '' ? e.name_pattern : undefined;
  if (name === undefined) throw new EcrmConfigError(`${where}: needs name or name_pattern`);
  return name;
};
const list = (value: unknown, key: string): Entry[] => {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new EcrmConfigError(`${key}: expected a list`);
  return value.map((e, i) => {
    if (typeof e !== 'object' || e === null) throw new EcrmConfigError(`${key}[${i}]: expected a mapping`);
    return e as Entry;
  });
};
const quote = (e: Entry) => JSON.stringify(e);
const yamlString = (s: string) => JSON.stringify(s);

export function convertEcrm(text: string, file: string): FromEcrm {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new EcrmConfigError(`${file}: not YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new EcrmConfigError(`${file}: expected ecrm's config (a mapping with repositories, clusters, …)`);
  const root = doc as Entry;
  const warnings: string[] = [];
  for (const key of Object.keys(root).filter((k) => !KNOWN.has(k))) warnings.push(`${key}: not an ecrm key ecr-ledger knows; not carried over`);
  const out: string[] = [
    `# ecr-ledger config converted from ecrm's ${file} (ecr-ledger init --from-ecrm). Check it with: ecr-ledger config check FILE`,
    '# What differs: ecr-ledger keeps every image something uses (ECS, Lambda, EKS, Batch, App Runner, pins, reports)',
    '# whatever the rules say, counts time from when an image stopped being used (graceDays), and deletes only what',
    '# every rule lets go, after a live check (docs/policy.md). Rules match in order, the first that matches wins.',
  ];

  const repositories = list(root.repositories, 'repositories');
  out.push('repositories:');
  repositories.forEach((e, i) => {
    const where = `repositories[${i}]`;
    const pattern = nameOf(e, where);
    if (typeof e.expires !== 'string' && typeof e.expires !== 'number') throw new EcrmConfigError(`${where}: expires is required (ecrm requires it too)`);
    const days = ecrmDays(String(e.expires), where);
    const keepTags = Array.isArray(e.keep_tag_patterns) ? e.keep_tag_patterns.map(String) : ['latest'];
    const keep = typeof e.keep_count === 'number' ? e.keep_count : 0;
    for (const key of Object.keys(e).filter((k) => !['name', 'name_pattern', 'expires', 'keep_count', 'keep_tag_patterns'].includes(k))) warnings.push(`${where}.${key}: not an ecrm repository key ecr-ledger knows; not carried over`);
    out.push(
      `  # from ecrm: ${quote(e)}`,
      `  #   expires ${String(e.expires)} -> olderThanDays ${days} (from the push, as in ecrm); keep_tag_patterns -> keepTags (the same globs)`,
      `  #   keep_count ${keep} -> keepLatest ${keep}: ecrm keeps that many of the expired images; ecr-ledger keeps the newest ${keep} of the images nothing uses`,
      `  - pattern: ${yamlString(pattern)}`,
      `    olderThanDays: ${days}`,
      `    keepLatest: ${keep}`,
      `    keepTags: [${keepTags.map(yamlString).join(', ')}]`,
    );
  });
  if (repositories.length === 0) {
    out.push('  - pattern: "*"   # ecrm names no repository: every default (docs/config.md)');
    warnings.push('repositories: none in the ecrm file; the converted config has one rule with every default');
  }

  const clusters = list(root.clusters, 'clusters').map((e, i) => nameOf(e, `clusters[${i}]`));
  const functions = list(root.lambda_functions, 'lambda_functions');
  const families = list(root.task_definitions, 'task_definitions');
  out.push('scope:');
  if (clusters.length > 0) out.push(`  # from ecrm clusters: ${quote({ clusters: list(root.clusters, 'clusters') })}`, `  clusters: [${clusters.map(yamlString).join(', ')}]`);
  else out.push('  clusters: ["*"]   # ecrm names no cluster (it then reads none); ecr-ledger reads every cluster: what runs anywhere is kept');
  if (functions.length > 0) out.push(`  functions: [${functions.map((e, i) => yamlString(nameOf(e, `lambda_functions[${i}]`))).join(', ')}]`);

  const keepCounts = families.map((e) => (typeof e.keep_count === 'number' && e.keep_count > 0 ? e.keep_count : ECRM_KEEP_COUNT));
  if (families.length > 0) {
    const keep = Math.max(...keepCounts);
    out.push('ecs:', `  # from ecrm task_definitions: ${quote({ task_definitions: families })}`,
      `  #   keep_count -> keepLatestRevisions ${keep}: one value for every family here (the largest of ecrm's); revisions a service deploys, its rollback target and running tasks are kept besides`,
      `  keepLatestRevisions: ${keep}`);
    if (new Set(keepCounts).size > 1 || families.some((e) => nameOf(e, 'task_definitions') !== '*')) warnings.push(`task_definitions: ecrm's per-family keep_count (${keepCounts.join(', ')}) becomes one keepLatestRevisions (${keep}) for every family`);
  }
  if (functions.length > 0) {
    out.push(`# from ecrm lambda_functions: ${quote({ lambda_functions: functions })}`,
      '#   keep_count and keep_aliase have no key here: ecr-ledger keeps the image of every published version and every alias target of the functions it reads');
  }
  if (root.exclude_files !== undefined) {
    warnings.push('exclude_files: ecrm\'s lists of images in use become usage reports here (ecr-ledger report-usage --source NAME FILE; docs/consumers.md)');
    out.push(`# from ecrm exclude_files: ${quote({ exclude_files: root.exclude_files })} -> report the images they list with ecr-ledger report-usage (docs/consumers.md)`);
  }
  for (const w of warnings) out.push(`# warning: ${w}`);
  return { text: `${out.join('\n')}\n`, rules: Math.max(1, repositories.length), warnings };
}
