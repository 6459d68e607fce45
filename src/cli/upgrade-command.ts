import { UsageError } from '../errors.js';
import type { Flags } from './args.js';
import { print, type Io } from './common.js';
import { openLedger } from './sources.js';

/** `ecr-ledger upgrade (--ledger DIR | --table NAME)`: converts a ledger of an older layout in place; resumable, idempotent. */
export async function upgradeCommand(flags: Flags, positionals: readonly string[], io: Io): Promise<number> {
  if (positionals.length > 0) throw new UsageError(`upgrade takes no arguments (got ${positionals.join(' ')})`);
  if (flags.ledger === undefined && flags.table === undefined) throw new UsageError('name the ledger to upgrade: --ledger DIR or --table NAME');
  const open = await openLedger(flags, { anyLayout: true });
  try {
    const progress = await open.layout.upgrade((converted) => { if (!flags.quiet) io.err(`… ${converted} facts converted`); });
    print(io, flags, progress, () => progress.from === progress.to
      ? `${open.describe} is already of layout ${progress.to}: nothing to do.`
      : `Upgraded ${open.describe} from layout ${progress.from} to ${progress.to}${progress.resumed ? ' (resumed)' : ''}: ${progress.converted} facts converted, ${progress.references} references and claims written; pins, history, watermarks and the audit trail kept.`);
    return 0;
  } finally {
    await open.close();
  }
}
