import { loadConfigFile } from '../config-file.js';
import { UsageError } from '../errors.js';
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
  print(io, flags, { file, valid: true, config }, () => `${file}: valid (${rules} repository rule(s)${config.organization ? ', organisation-wide' : ''}${config.notice ? ', advance notice' : ''}).`);
  return 0;
}
