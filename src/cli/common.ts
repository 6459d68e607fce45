import { defaultConfig, type Config } from '../config.js';
import { loadConfigFile } from '../config-file.js';
import { parseTime, type Flags } from './args.js';
import type { LiveIo } from './live-source.js';

export interface Io extends LiveIo {
  out(text: string): void;
  /** The environment (ECR_LEDGER_TABLE, ECR_LEDGER_CONFIG); tests pass their own. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Standard input as text (report-usage -); tests pass their own. */
  stdin?: () => Promise<string>;
}

/** The config file `--config` names, or every default. */
export async function config(flags: Flags): Promise<Config> {
  return flags.config === undefined ? defaultConfig() : loadConfigFile(flags.config);
}

/** The version of every command's JSON output; it changes only when a key is removed or changes meaning. */
export const JSON_SCHEMA_VERSION = 1;

/** Prints JSON (an object with `schemaVersion` first) with `--output json`, else the text rendering. */
export function print(io: Io, flags: Flags, json: object, text: () => string): void {
  io.out(flags.output === 'json' ? JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, ...json }, null, 2) : text());
}

/** The time a command evaluates at: `--now`, else the source's own time (a snapshot's capture), else the clock. */
export function nowOf(flags: Flags, io: Io, fallback?: string): string {
  if (flags.now === undefined) return fallback ?? io.clock().toISOString();
  return parseTime(flags.now, '--now');
}

/** The source a command read, in words for reports and generated files. */
export function describeSource(flags: Flags): string {
  if (flags.snapshot !== undefined) return `the snapshot ${flags.snapshot}`;
  if (flags.ledger !== undefined) return `the ledger in ${flags.ledger}`;
  if (flags.table !== undefined) return `the table ${flags.table}`;
  return 'live AWS';
}
