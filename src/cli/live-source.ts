import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { createAwsClients, type AwsClients } from '../adapters/aws/clients.js';
import { LiveAccountReader } from '../adapters/aws/account-reader.js';
import type { Config } from '../config.js';
import type { Flags } from './args.js';
import type { OrganizationFactory } from './organization-source.js';

export interface LiveIo {
  err(text: string): void;
  clock(): Date;
  /** Builds the AWS clients of the read path; tests hand in a fake account. */
  aws?: (options: { region?: string; profile?: string }) => AwsClients;
  /** Reaches the organisation's member accounts; tests hand in a fake organisation. */
  organization?: OrganizationFactory;
}

/** Progress lines on stderr, at most one a second, unless `--quiet`. */
export function progressReporter(io: LiveIo, quiet: boolean): (message: string) => void {
  let last = -Infinity;
  return (message) => {
    const now = performance.now();
    if (quiet || now - last < 1_000) return;
    last = now;
    io.err(`… ${message}`);
  };
}

/** A reader of the live account the flags name (region, profile), scoped by the config. */
export function openLiveReader(flags: Flags, io: LiveIo, config: Config): { reader: LiveAccountReader; clients: AwsClients; close(): void } {
  if (flags.profile !== undefined && !io.aws) requireProfile(flags.profile);
  const clients = (io.aws ?? createAwsClients)({
    ...(flags.region !== undefined && { region: flags.region }),
    ...(flags.profile !== undefined && { profile: flags.profile }),
  });
  const reader = new LiveAccountReader(clients, { scope: config.scope, evidence: config.evidence, clock: () => io.clock(), progress: progressReporter(io, flags.quiet) });
  return { reader, clients, close: () => clients.destroy() };
}

/** The same credentials' clients in any region (the region probe), made once each. */
export function openRegionClients(flags: Flags, io: LiveIo): { clientsIn(region: string): AwsClients; close(): void } {
  const made = new Map<string, AwsClients>();
  return {
    clientsIn: (region) => {
      let clients = made.get(region);
      if (!clients) made.set(region, (clients = (io.aws ?? createAwsClients)({ region, ...(flags.profile !== undefined && { profile: flags.profile }) })));
      return clients;
    },
    close: () => made.forEach((c) => c.destroy()),
  };
}

/** A profile named but defined in neither shared file is said as such (the SDK would report a missing region). */
export function requireProfile(profile: string): void {
  const files = [process.env.AWS_CONFIG_FILE ?? join(homedir(), '.aws', 'config'), process.env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), '.aws', 'credentials')];
  const sections = files.flatMap((file) => (existsSync(file) ? [...readFileSync(file, 'utf8').matchAll(/^\s*\[\s*(?:profile\s+)?([^\]]+?)\s*\]/gm)].map((m) => m[1]) : []));
  if (!sections.includes(profile)) throw new UsageError(`profile ${profile} not found (looked in ${files.join(' and ')})`);
}

export function reportWarnings(io: LiveIo, warnings: readonly string[]): void {
  for (const warning of warnings) io.err(`warning: ${warning}`);
}
