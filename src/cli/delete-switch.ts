import { deployedConfig } from '../app/stack/deployed-settings.js';
import type { Config } from '../config.js';
import { configDifferences } from '../domain/config-diff.js';
import { UsageError } from '../errors.js';
import type { Flags } from './args.js';
import type { OpenLedger } from './sources.js';

/** What a sweep judges with: the rules, the stack's delete switch, where it may delete, and where these came from. */
export interface Judging {
  readonly cfg: Config;
  /** The stack's dry run: a deleting sweep from here refuses while it holds (unless --override-dry-run). */
  readonly dryRun: boolean;
  readonly managed?: readonly string[];
  /** In words: `the config FILE`, or the stack's record. */
  readonly source: string;
  /** Judged with what the stack's sweep recorded (not a file). */
  readonly fromStack: boolean;
}

/**
 * One delete switch (issue 34): a deleting sweep against a stack's table judges with what the stack's own sweep
 * recorded it runs with — its config, its dry run, its managed repositories — and refuses a `--config` that differs
 * from it (deploy the file first). A table without that record (its sweep has not run since this version) needs
 * `--config`; a dry run, or a sweep of a local ledger, judges with `--config` (or every default).
 */
export async function judging(flags: Flags, open: OpenLedger, file: Config): Promise<Judging> {
  const fromFile: Judging = { cfg: file, dryRun: file.sweep.dryRun === true, ...(file.stack?.managedRepositories && { managed: file.stack.managedRepositories }), source: `the config ${flags.config ?? '(none: every default)'}`, fromStack: false };
  if (!flags.force || flags.table === undefined) return fromFile;
  const settings = await open.deployed.read();
  if (!settings) {
    if (flags.config === undefined) {
      throw new UsageError(`sweep --force against a table needs the config the stack deploys: ${open.describe} holds no record of it (the deployed sweep records its settings at each run, once deployed from this version), so give --config FILE; the defaults may delete what the stack's rules keep`);
    }
    return fromFile;
  }
  const deployed = deployedConfig(settings, flags.table);
  if (flags.config !== undefined) {
    const differences = configDifferences(deployed, file);
    if (differences.length > 0) throw new UsageError(`--config ${flags.config} is not the config the stack's sweep runs with (recorded in ${open.describe} at ${settings.recordedAt}): ${differences.join('; ')}. Deploy the file first, or drop --config to judge with the deployed one`);
  }
  return {
    cfg: deployed, dryRun: settings.dryRun, ...(settings.managedRepositories && { managed: settings.managedRepositories }),
    source: `the config the stack's sweep runs with (recorded by ${settings.by} at ${settings.recordedAt})`, fromStack: true,
  };
}
