import middy from '@middy/core';
import { applyEvent, type EventDeps } from '../app/events/apply-event.js';
import type { AwsLookups } from '../app/ports.js';
import type { Scope } from '../domain/facts.js';
import { parseEvent } from '../events/parse-event.js';
import { RefusedError } from '../errors.js';

export interface EventHandlerDeps extends Omit<EventDeps, 'lookups' | 'warn'> {
  readonly lookupsFor: (scope: Scope) => AwsLookups;
  readonly log: (level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

export type EventHandlerResult = { readonly eventId: string; readonly outcome: 'applied' | 'ignored' | 'refused' };

/**
 * The EventBridge target: one event per invocation. A malformed event or one that cannot be applied throws an
 * error naming the event id, so that Lambda retries it and then hands it to the on-failure destination;
 * event types ecr-ledger does not follow are ignored with a debug line.
 */
export function createEventHandler(deps: EventHandlerDeps) {
  return middy(async (event: unknown): Promise<EventHandlerResult> => {
    const parsed = parseEvent(event);
    if ('ignored' in parsed) {
      deps.log('debug', 'event ignored', { eventId: parsed.eventId, reason: parsed.ignored });
      return { eventId: parsed.eventId, outcome: 'ignored' };
    }
    const { apply } = parsed;
    try {
      await applyEvent({
        ledger: deps.ledger, config: deps.config, lookups: deps.lookupsFor({ accountId: apply.accountId, region: apply.region }),
        warn: (message) => deps.log('warn', message, { eventId: apply.eventId }), ...(deps.admits && { admits: deps.admits }), ...(deps.deletions && { deletions: deps.deletions }), ...(deps.archived && { archived: deps.archived }),
      }, apply);
    } catch (error) {
      // A refusal is final (retrying cannot change the config): logged with the event's id, not retried.
      if (!(error instanceof RefusedError)) throw error;
      deps.log('error', 'event refused', { eventId: apply.eventId, account: apply.accountId, region: apply.region, reason: error.message });
      return { eventId: apply.eventId, outcome: 'refused' };
    }
    deps.log('info', 'event applied', { eventId: apply.eventId, change: apply.change.kind, at: apply.at });
    return { eventId: apply.eventId, outcome: 'applied' };
  });
}
