import { RefusedError, UsageError } from '../errors.js';
import { LAYOUT_VERSION } from '../adapters/ledger-layout.js';
import type { Flags } from './args.js';
import { print, type Io } from './common.js';
import { openLedger } from './sources.js';

/** `ecr-ledger upgrade (--ledger DIR | --table NAME)`: converts a ledger of an older layout in place; resumable, idempotent. */
export async function upgradeCommand(flags: Flags, positionals: readonly string[], io: Io): Promise<number> {
  if (positionals.length > 0) throw new UsageError(`upgrade takes no arguments (got ${positionals.join(' ')})`);
  if (flags.ledger === undefined && flags.table === undefined) throw new UsageError('name the ledger to upgrade: --ledger DIR or --table NAME');
  const open = await openLedger(flags, { anyLayout: true });
  try {
    // A deployed stack of an older version keeps writing its own layout: converting its table here would leave a
    // table of two layouts (references the sweep would miss). The stack upgrades its own table when it is deployed.
    const stack = await open.layout.stackStamp();
    if (stack && stack.layout < LAYOUT_VERSION && (await open.layout.version()) < LAYOUT_VERSION) {
      throw new RefusedError(`${open.describe} is written by a deployed ecr-ledger stack of layout ${stack.layout} (its reconcile ran at ${stack.at}): `
        + `upgrading it here would leave that stack writing layout-${stack.layout} items into a layout-${LAYOUT_VERSION} table. Deploy this version instead: its reconcile upgrades the table before its first run. Nothing was changed`);
    }
    const progress = await open.layout.upgrade((converted) => { if (!flags.quiet) io.err(`… ${converted} facts converted`); });
    print(io, flags, progress, () => progress.from === progress.to
      ? `${open.describe} is already of layout ${progress.to}: nothing to do.`
      : `Upgraded ${open.describe} from layout ${progress.from} to ${progress.to}${progress.resumed ? ' (resumed)' : ''}: ${progress.converted} facts converted, ${progress.references} references and claims written; pins, history, watermarks and the audit trail kept.`);
    return 0;
  } finally {
    await open.close();
  }
}
