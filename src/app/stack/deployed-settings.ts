import { parseConfig, type Config } from '../../config.js';
import { ConfigError } from '../../errors.js';

/**
 * What the deployed sweep runs with, as it records it in the ledger table at each scheduled run: its config (the
 * config file as packaged), whether it deletes, and where its role may delete. The CLI's `sweep --table T --force`
 * judges with these, so that the stack has one delete switch (issue 34).
 */
export interface DeployedSettings {
  /** The config as deployed (`ECR_LEDGER_CONFIG`, parsed JSON): what `parseConfig` reads. */
  readonly config: unknown;
  /** The stack's dryRun (`DRY_RUN`): true while the deployed sweep deletes nothing. */
  readonly dryRun: boolean;
  /** The repository ARN patterns the sweep's role may delete from (`MANAGED_REPOSITORIES`); absent: not recorded. */
  readonly managedRepositories?: readonly string[];
  /** When, and by which function, they were recorded. */
  readonly recordedAt: string;
  readonly by: string;
}

export interface DeployedSettingsStore {
  record(settings: DeployedSettings): Promise<void>;
  read(): Promise<DeployedSettings | undefined>;
}

/** The deployed config, parsed as the deployed functions parse it; a record that does not parse is a clear error. */
export function deployedConfig(settings: DeployedSettings, table: string): Config {
  try {
    return parseConfig(settings.config, `the config the stack's sweep recorded in ${table} at ${settings.recordedAt}`);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`the config the stack's sweep recorded in ${table} cannot be read: ${(error as Error).message}`);
  }
}
