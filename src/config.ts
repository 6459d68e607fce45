import { readFile } from 'node:fs/promises';
import { LineCounter, isMap, isPair, isScalar, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './errors.js';

const count = z.number().int().nonnegative();

const repositoryRuleSchema = z.strictObject({
  pattern: z.string().min(1),
  keepLatest: count.default(10),
  olderThanDays: count.default(30),
  graceDays: count.default(7),
  keepTags: z.array(z.string().min(1)).default(['latest']),
  keepPulledWithinDays: count.default(30),
  keepIfSharedWithOtherAccounts: z.boolean().default(true),
});

const configSchema = z.strictObject({
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
      clusters: z.array(z.string().min(1)).default(['*']),
      functions: z.array(z.string().min(1)).default(['*']),
    })
    .prefault({}),
  sweep: z
    .strictObject({
      maxDeletionsPerRun: count.default(500),
      maxLedgerAgeHours: count.default(36),
      minimumImageAgeHours: count.default(24),
      auditRetentionDays: count.default(400),
      action: z.enum(['delete', 'archive']).default('delete'),
    })
    .prefault({}),
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

function describeIssue(issue: Issue, lineOf?: (path: readonly PropertyKey[], key?: string) => number | undefined): string {
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
  return keys
    .map((key) => {
      const path = formatPath(key === undefined ? issue.path : [...issue.path, key]);
      const line = lineOf?.(issue.path, key);
      const at = line === undefined ? '' : ` (line ${line})`;
      const message = key === undefined ? issueMessage(issue) : 'unknown key';
      return `${path || '(top level)'}${at}: ${message}`;
    })
    .join('; ');
}

function issueMessage(issue: Issue): string {
  if (issue.code === 'too_small' && issue.origin === 'number') return `must not be negative (got ${String(issue.input)})`;
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

function yamlLine(doc: Document, counter: LineCounter, path: readonly PropertyKey[], key?: string): number | undefined {
  const parent = doc.getIn(path as unknown[], true);
  let node: unknown = parent;
  if (key !== undefined && isMap(parent)) {
    node = parent.items.find((pair) => isPair(pair) && isScalar(pair.key) && pair.key.value === key)?.key;
  }
  const range = (node as { range?: [number, number, number] } | undefined)?.range;
  return range ? counter.linePos(range[0]).line : undefined;
}

/** Reads a YAML or JSON config file; every error names the file, the key and, where known, the line. */
export async function loadConfigFile(file: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new ConfigError(`${file}: cannot read the config file (${(cause as Error).message})`, { cause });
  }
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const line = counter.linePos(first.pos[0]).line;
    throw new ConfigError(`${file} (line ${line}): not valid YAML or JSON: ${first.message.split('\n')[0]}`);
  }
  const raw: unknown = doc.toJS();
  if (raw !== null && raw !== undefined && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new ConfigError(`${file}: the config must be a mapping of keys (repositories, ecs, scope, sweep)`);
  }
  const result = configSchema.safeParse(raw ?? {}, { reportInput: true });
  if (result.success) return result.data;
  const lineOf = (path: readonly PropertyKey[], key?: string) => yamlLine(doc, counter, path, key);
  throw new ConfigError(`${file}: ${result.error.issues.map((issue) => describeIssue(issue, lineOf)).join('; ')}`);
}
