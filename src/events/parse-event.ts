import * as z from 'zod';
import { describeIssues, envelopeSchema, EventError } from './envelope.js';
import type { ParsedEvent } from './ledger-event.js';
import { parseCloudTrail } from './parse-cloudtrail.js';
import { parseEcr } from './parse-ecr.js';
import { parseEcs } from './parse-ecs.js';

/**
 * Validates one EventBridge event and says what it means for the ledger. Event types ecr-ledger does not follow
 * (and failed API calls or actions) are `ignored` with a reason; a malformed event of a followed type throws an
 * EventError naming the event id and the bad field, so that it is retried and then kept by the on-failure destination.
 */
export function parseEvent(raw: unknown): ParsedEvent {
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) {
    const id = typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id : '(no id)';
    throw new EventError(id, `not an EventBridge event: ${describeIssues(envelope.error)}`);
  }
  const e = envelope.data;
  const detailType = e['detail-type'];
  let result;
  if (detailType === 'AWS API Call via CloudTrail') result = parseCloudTrail(e.detail, { region: e.region, account: e.account });
  else if (e.source === 'aws.ecr') result = parseEcr(detailType, e.detail);
  else if (e.source === 'aws.ecs') result = parseEcs(detailType, e.detail, e.resources ?? []);
  else result = `source ${e.source} is not one ecr-ledger follows`;
  if (typeof result === 'string') return { ignored: result, eventId: e.id };
  if (result instanceof z.ZodError) throw new EventError(e.id, `malformed ${detailType}: ${describeIssues(result, 'detail')}`);
  return { apply: { eventId: e.id, at: new Date(e.time).toISOString(), accountId: e.account, region: e.region, change: result } };
}
