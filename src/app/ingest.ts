import type { Config } from '../config.js';
import type { Scope } from '../domain/facts.js';
import { AwsReadError } from '../errors.js';
import { EventError } from '../events/envelope.js';
import { parseEvent } from '../events/parse-event.js';
import { applyEvent } from './events/apply-event.js';
import type { OutsideDeletions } from './undo/outside-deletion.js';
import type { AwsLookups, EventLedger } from './ports.js';

/** One event as read from a file: where it came from (for messages), and its JSON, or why it could not be read. */
export type RawEvent = { readonly where: string; readonly raw: unknown } | { readonly where: string; readonly unreadable: string };

export interface IngestResult {
  readonly applied: number;
  readonly ignored: number;
  readonly skipped: ReadonlyArray<{ readonly where: string; readonly message: string }>;
}

export interface IngestDeps {
  readonly ledger: EventLedger;
  /** Lookups for a scope; undefined offline. */
  readonly lookupsFor: (scope: Scope) => AwsLookups | undefined;
  readonly config: Config;
  readonly warn: (message: string) => void;
  readonly debug?: (message: string) => void;
  /** Organisation-wide: which accounts' events are followed. */
  readonly admits?: (scope: Scope) => boolean | Promise<boolean>;
  /** A deletion of an image the ledger holds in use: recorded and told. */
  readonly deletions?: OutsideDeletions;
}

/** Missing or expired AWS credentials: every lookup would fail the same way, so ingest stops at the first. */
const isCredentialsFailure = (error: unknown): boolean => {
  for (let e = error as { name?: string; message?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.name === 'CredentialsProviderError' || /could not load credentials|security token .* (invalid|expired)|ExpiredToken/i.test(`${e.name ?? ''} ${e.message ?? ''}`)) return true;
  }
  return false;
};

/** Replays events through the same application service as the handlers; a bad event is reported and skipped, the rest applied. */
export async function ingestEvents(deps: IngestDeps, events: Iterable<RawEvent>): Promise<IngestResult> {
  let applied = 0;
  let ignored = 0;
  const skipped: Array<{ where: string; message: string }> = [];
  for (const event of events) {
    if ('unreadable' in event) {
      skipped.push({ where: event.where, message: event.unreadable });
      continue;
    }
    try {
      const parsed = parseEvent(event.raw);
      if ('ignored' in parsed) {
        ignored += 1;
        deps.debug?.(`${event.where}: event ${parsed.eventId} ignored: ${parsed.ignored}`);
        continue;
      }
      const scope = { accountId: parsed.apply.accountId, region: parsed.apply.region };
      const lookups = deps.lookupsFor(scope);
      await applyEvent({ ledger: deps.ledger, ...(lookups && { lookups }), config: deps.config, warn: deps.warn, ...(deps.admits && { admits: deps.admits }), ...(deps.deletions && { deletions: deps.deletions }) }, parsed.apply);
      applied += 1;
    } catch (error) {
      if (isCredentialsFailure(error)) {
        throw new AwsReadError(`${event.where}: AWS credentials are missing or expired, so what events lack cannot be looked up (${(error as Error).message}); give --offline to apply only what the events carry (the next reconcile fills in the rest)`, { cause: error });
      }
      const id = error instanceof EventError ? '' : `event ${(event.raw as { id?: string })?.id ?? '(no id)'}: `;
      skipped.push({ where: event.where, message: `${id}${(error as Error).message}` });
    }
  }
  return { applied, ignored, skipped };
}
