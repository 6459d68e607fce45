import { ConfigError, ImageReferenceError, LayoutError, NotFoundError, RefusedError, SnapshotError, UsageError } from '../errors.js';
import { parseCommandLine, USAGE } from './args.js';
import { commandHelp, COMMANDS } from './command-specs.js';
import { VERSION } from './version.js';
import { ingestCommand } from './ingest-command.js';
import { upgradeCommand } from './upgrade-command.js';
import { historyCommand, purgeCommand, sweepCommand } from './sweep-commands.js';
import { snapshotCommand } from './live-commands.js';
import { explainCommand, pinCommand, planCommand, reconcileCommand, whoUsesCommand } from './commands.js';
import type { Io } from './common.js';

/** Exit codes of the CLI contract. */
export const EXIT = { ok: 0, runtime: 1, usage: 2, notFound: 3, refused: 4, partial: 5 } as const;

export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError || error instanceof ConfigError || error instanceof SnapshotError || error instanceof ImageReferenceError || error instanceof LayoutError) return EXIT.usage;
  if (error instanceof NotFoundError) return EXIT.notFound;
  if (error instanceof RefusedError) return EXIT.refused;
  return EXIT.runtime;
}

/** Runs one command line; returns the exit code. Results go to `io.out`, errors to `io.err`. */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  let debug = argv.includes('--debug');
  let json = argv.includes('--output=json') || argv.some((a, i) => (a === '--output' || a === '-o') && argv[i + 1] === 'json');
  try {
    const { command, flags, positionals } = parseCommandLine(argv, io.env ?? {});
    debug = flags.debug;
    json = flags.output === 'json';
    if (flags.version) {
      io.out(`ecr-ledger ${VERSION}`);
      return EXIT.ok;
    }
    const helpFor = command === 'help' ? positionals[0] : flags.help ? command : undefined;
    if (helpFor !== undefined) {
      if (!COMMANDS[helpFor]) throw new UsageError(`unknown command "${helpFor}" (commands: ${Object.keys(COMMANDS).join(', ')})`);
      io.out(commandHelp(helpFor));
      return EXIT.ok;
    }
    if (flags.help || command === undefined || command === 'help') {
      const asked = flags.help || command === 'help';
      (asked ? io.out : io.err)(USAGE);
      return asked ? EXIT.ok : EXIT.usage;
    }
    switch (command) {
      case 'snapshot': return await snapshotCommand(flags, io);
      case 'reconcile': return await reconcileCommand(flags, io);
      case 'plan': return await planCommand(flags, io);
      case 'who-uses': return await whoUsesCommand(flags, positionals, io);
      case 'explain': return await explainCommand(flags, positionals, io);
      case 'pin': return await pinCommand(flags, positionals, io, false);
      case 'unpin': return await pinCommand(flags, positionals, io, true);
      case 'ingest': return await ingestCommand(flags, positionals, io);
      case 'sweep': return await sweepCommand(flags, io);
      case 'history': return await historyCommand(flags, positionals, io);
      case 'purge-repository': return await purgeCommand(flags, positionals, io);
      case 'upgrade': return await upgradeCommand(flags, positionals, io);
      default: throw new UsageError(`unknown command "${command}" (commands: snapshot, reconcile, plan, who-uses, explain, pin, unpin, ingest, sweep, history, purge-repository, upgrade)`);
    }
  } catch (error) {
    const code = exitCodeFor(error);
    if (json) {
      io.err(JSON.stringify({ error: (error as Error).message, exitCode: code, ...(debug && { stack: (error as Error).stack }) }));
      return code;
    }
    io.err(`ecr-ledger: ${(error as Error).message}`);
    if (debug) io.err((error as Error).stack ?? String(error));
    else if (code === EXIT.runtime) io.err('(run again with --debug for the stack trace)');
    return code;
  }
}

const isEntryPoint = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntryPoint) {
  // A reader that stops reading (`| head`) ends the command quietly: no EPIPE stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  const io: Io = { out: (t) => process.stdout.write(`${t}\n`), err: (t) => process.stderr.write(`${t}\n`), clock: () => new Date(), env: process.env };
  process.exitCode = await runCli(process.argv.slice(2), io);
}
