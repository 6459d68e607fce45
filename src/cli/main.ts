import { systemClock } from '../system-clock.js';
import { ConfigError, ImageReferenceError, LayoutError, NotFoundError, RefusedError, SnapshotError, UnreadableReachError, UsageError } from '../errors.js';
import { parseCommandLine, USAGE } from './args.js';
import { commandHelp, COMMANDS, EXIT } from './command-specs.js';
import { VERSION } from './version.js';
import type { Io } from './common.js';

export { EXIT };

export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError || error instanceof ConfigError || error instanceof SnapshotError || error instanceof ImageReferenceError || error instanceof LayoutError) return EXIT.usage;
  if (error instanceof NotFoundError) return EXIT.notFound;
  if (error instanceof UnreadableReachError) return EXIT.partial;
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
    // Commands load on demand: --help and --version never load the AWS SDK or the embedded engine.
    switch (command) {
      case 'snapshot': return await (await import('./live-commands.js')).snapshotCommand(flags, io);
      case 'reconcile': return await (await import('./commands.js')).reconcileCommand(flags, io);
      case 'plan': return await (await import('./commands.js')).planCommand(flags, io);
      case 'who-uses': return await (await import('./commands.js')).whoUsesCommand(flags, positionals, io);
      case 'explain': return await (await import('./commands.js')).explainCommand(flags, positionals, io);
      case 'pin': return await (await import('./commands.js')).pinCommand(flags, positionals, io, false);
      case 'unpin': return await (await import('./commands.js')).pinCommand(flags, positionals, io, true);
      case 'pins': return await (await import('./commands.js')).pinsCommand(flags, positionals, io);
      case 'ingest': return await (await import('./ingest-command.js')).ingestCommand(flags, positionals, io);
      case 'sweep': return await (await import('./sweep-commands.js')).sweepCommand(flags, io);
      case 'history': return await (await import('./sweep-commands.js')).historyCommand(flags, positionals, io);
      case 'purge-repository': return await (await import('./sweep-commands.js')).purgeCommand(flags, positionals, io);
      case 'lifecycle-check': return await (await import('./lifecycle-command.js')).lifecycleCheckCommand(flags, io);
      case 'init': return await (await import('./init-command.js')).initCommand(flags, io);
      case 'report': return await (await import('./report-command.js')).reportCommand(flags, io);
      case 'notice': return await (await import('./notice-command.js')).noticeCommand(flags, io);
      case 'report-usage': return await (await import('./usage-commands.js')).reportUsageCommand(flags, positionals, io);
      case 'sources': return await (await import('./usage-commands.js')).sourcesCommand(flags, io);
      case 'upgrade': return await (await import('./upgrade-command.js')).upgradeCommand(flags, positionals, io);
      case 'config': return await (await import('./config-command.js')).configCommand(flags, positionals, io);
      case 'restore': return await (await import('./restore-command.js')).restoreCommand(flags, positionals, io);
      case 'runs': return await (await import('./runs-command.js')).runsCommand(flags, positionals, io);
      case 'doctor': return await (await import('./doctor-command.js')).doctorCommand(flags, io);
      default: throw new UsageError(`unknown command "${command}" (commands: snapshot, reconcile, plan, who-uses, explain, pin, unpin, ingest, sweep, history, purge-repository, upgrade, lifecycle-check, init, notice, report, report-usage, sources, pins, runs, restore, config, doctor)`);
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

/** The process entry point (`bin/ecr-ledger`, or this file run directly): real stdout, stderr, clock and environment. */
export async function main(argv: readonly string[]): Promise<void> {
  // A reader that stops reading (`| head`) ends the command quietly: no EPIPE stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  const io: Io = { out: (t) => process.stdout.write(`${t}\n`), err: (t) => process.stderr.write(`${t}\n`), clock: systemClock, env: process.env };
  process.exitCode = await runCli(argv, io);
}

const isEntryPoint = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntryPoint) await main(process.argv.slice(2));
