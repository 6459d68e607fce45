import { loadConfigFile } from '../config-file.js';
import { UsageError } from '../errors.js';
import type { Config } from '../config.js';
import type { Flags } from './args.js';
import { print, type Io } from './common.js';

/**
 * `ecr-ledger config check FILE`: validates a config file as every command and the deployed stack read it (exit 0),
 * or says what is wrong, where (file, key, line; exit 2). JSON: `{ file, valid: true, config }`, the config with every
 * default filled in — what the stack is deployed with.
 */
export async function configCommand(flags: Flags, positionals: readonly string[], io: Io): Promise<number> {
  const [sub, file, ...rest] = positionals;
  if (sub !== 'check') throw new UsageError(`config takes a subcommand: config check FILE${sub === undefined ? '' : ` (got ${sub})`}`);
  if (file === undefined || rest.length > 0) throw new UsageError('config check takes one FILE (YAML or JSON)');
  const config = await loadConfigFile(file);
  const rules = config.repositories.length;
  const warnings = configWarnings(config);
  print(io, flags, { file, valid: true, config, warnings }, () => [`${file}: valid (${rules} repository rule(s)${config.organization ? ', organisation-wide' : ''}${config.notice ? ', advance notice' : ''}).`, ...warnings.map((w) => `warning: ${w}`)].join('\n'));
  return 0;
}

/** What is valid but will not do what it seems to say. */
export function configWarnings(config: Config): string[] {
  const org = config.organization;
  const members = org && 'accounts' in org ? org.accounts : [];
  return config.scope.ignoreRegions.flatMap((region) => {
    const owners = members.filter((a) => a.regions.includes(region)).map((a) => a.id);
    const discovered = org && !('accounts' in org) && org.regions.includes(region);
    if (owners.length === 0 && !discovered) return [];
    return [`scope.ignoreRegions lists ${region}, a region of ${owners.length > 0 ? `member account(s) ${owners.join(', ')}` : 'the discovered members (organization.regions)'}: it is ignored only for the registry account's own probed regions, never for a member's (their workloads there are read, or keep the repositories they can pull from whole)`];
  });
}
