import { AwsCaller } from '../adapters/aws/caller.js';
import { createAwsClients, type AwsClients } from '../adapters/aws/clients.js';
import { LiveLookups } from '../adapters/aws/lookups.js';
import { ingestEvents } from '../app/ingest.js';
import { inUseDeletionText, outsideDeletions } from '../app/undo/outside-deletion.js';
import type { AwsLookups } from '../app/ports.js';
import type { Scope } from '../domain/facts.js';
import { UsageError } from '../errors.js';
import type { Flags } from './args.js';
import { config, print, type Io } from './common.js';
import { readEventFile } from './event-files.js';
import { openLedger, type OpenLedger } from './sources.js';
import { Organization } from '../adapters/aws/organization-members.js';
import type { Config } from '../config.js';
import { openLiveReader } from './live-source.js';
import { openOrganization } from './organization-source.js';

/** `ecr-ledger ingest FILE... (--ledger DIR | --table NAME) [--offline]`: replays EventBridge events into the ledger. */
export async function ingestCommand(flags: Flags, files: readonly string[], io: Io): Promise<number> {
  if (files.length === 0) throw new UsageError('ingest takes one or more FILEs of events (one JSON event, a JSON array, or JSON Lines)');
  const cfg = await config(flags);
  const open = await openLedger(flags, { create: true });
  const clients = new Map<string, AwsClients>();
  const lookups = new Map<string, AwsLookups>();
  if (flags.offline) io.err('warning: --offline: what events lack (image sizes and manifests, service state, Lambda digests) is not looked up; the next reconcile repairs it');
  const org = cfg.organization ? await organizationOf(flags, io, cfg, open).catch(async (error: unknown) => { await open.close(); throw error; }) : undefined;
  const lookupsFor = (scope: Scope): AwsLookups | undefined => {
    if (flags.offline) return undefined;
    const key = `${scope.accountId}#${scope.region}`;
    if (org?.organization && !lookups.has(key)) lookups.set(key, org.organization.lookups(scope, (m) => io.err(`warning: ${m}`)));
    if (!lookups.has(key)) {
      const made = (io.aws ?? createAwsClients)({ region: scope.region, ...(flags.profile !== undefined && { profile: flags.profile }) });
      clients.set(key, made);
      lookups.set(key, new LiveLookups(made, new AwsCaller(), scope, (m) => io.err(`warning: ${m}`)));
    }
    return lookups.get(key);
  };
  try {
    const read = (await Promise.all(files.map(readEventFile))).flat();
    // A file that cannot be read is an error of that file, not a skipped event; the other files are still applied.
    const unreadableFiles = read.filter((e) => 'unreadable' in e && files.includes(e.where));
    const events = read.filter((e) => !unreadableFiles.includes(e));
    const result = await ingestEvents({
      ledger: open.events, lookupsFor, config: cfg, warn: (m) => { if (!flags.offline) io.err(`warning: ${m}`); },
      ...(flags.debug && { debug: (m: string) => io.err(m) }), ...(org && { admits: org.admits }),
      // Offline too: an image in use that ECR deleted is worth hearing about (and is audited: `history` shows it).
      deletions: outsideDeletions({ index: () => open.index(), store: open.sweep, config: cfg, tell: async (d) => io.err(`warning: ${inUseDeletionText(d)}`) }),
    }, events);
    for (const { where, message } of result.skipped) io.err(`skipped ${where}: ${message}`);
    const readable = files.length - unreadableFiles.length;
    print(io, flags, { ...result, unreadableFiles: unreadableFiles.map((f) => f.where) }, () => `Ingested ${events.length} event(s) from ${readable} file(s) into ${open.describe}: ${result.applied} applied, ${result.ignored} ignored (not followed), ${result.skipped.length} skipped.`);
    if (unreadableFiles.length > 0) {
      throw new UsageError(unreadableFiles.map((f) => `${f.where}: ${'unreadable' in f ? f.unreadable : ''}`).join('; '));
    }
    return result.skipped.length > 0 ? 5 : 0;
  } finally {
    org?.close();
    for (const c of clients.values()) c.destroy();
    await open.close();
  }
}

/**
 * With `organization`, only events of the configured accounts are applied. Online, the caller's own account is the
 * home scope and members are looked up through their reader role; offline, the listed accounts and the scopes the
 * ledger already holds are admitted.
 */
async function organizationOf(flags: Flags, io: Io, cfg: Config, open: OpenLedger): Promise<{ admits: (scope: Scope) => Promise<boolean>; organization?: Organization; close(): void }> {
  if (flags.offline) {
    const held = new Set((await open.ledger.scopes()).map((s) => s.accountId));
    const listed = 'accounts' in cfg.organization! ? cfg.organization.accounts : [];
    return { admits: async (scope) => held.has(scope.accountId) || listed.some((a) => a.id === scope.accountId && a.regions.includes(scope.region)), close: () => undefined };
  }
  const own = openLiveReader(flags, io, cfg);
  try {
    const home = await own.reader.scope();
    const reach = openOrganization(flags, cfg, home, io.organization);
    const organization = new Organization(cfg, home, reach.access, () => reach.discover(), () => io.clock());
    return { admits: organization.admits, organization, close: () => reach.access.destroy() };
  } finally {
    own.close();
  }
}
