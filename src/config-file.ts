import { readFile } from 'node:fs/promises';
import { LineCounter, isMap, isPair, isScalar, parseDocument, type Document } from 'yaml';
import { configSchema, describeIssue, type Config } from './config.js';
import { ConfigError } from './errors.js';

/** Config files (YAML or JSON) for the CLI; kept apart from config.ts so that Lambda bundles carry no YAML parser. */

function yamlLine(doc: Document, counter: LineCounter, path: readonly PropertyKey[], key?: string): number | undefined {
  // A key that is missing is placed at the nearest enclosing one the file has (the list item, the section).
  if (key === undefined && path.length > 0 && !doc.hasIn(path as unknown[])) return yamlLine(doc, counter, path.slice(0, -1));
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
