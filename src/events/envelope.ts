import * as z from 'zod';
import { EcrLedgerError } from '../errors.js';

/** An event that cannot be applied: the message names the event id and what was wrong, so retries and the DLQ keep it. */
export class EventError extends EcrLedgerError {
  constructor(readonly eventId: string, reason: string, options?: { cause?: unknown }) {
    super(`event ${eventId}: ${reason}`, options);
  }
}

/** The EventBridge envelope every event shares. */
export const envelopeSchema = z.looseObject({
  version: z.string().optional(),
  id: z.string().min(1),
  'detail-type': z.string().min(1),
  source: z.string().min(1),
  account: z.string().regex(/^\d{12}$/, 'expected a 12-digit account id'),
  time: z.string().refine((t) => !Number.isNaN(Date.parse(t)), 'expected an ISO-8601 time'),
  region: z.string().min(1),
  resources: z.array(z.string()).optional(),
  detail: z.looseObject({}),
});

export type Envelope = z.output<typeof envelopeSchema>;

/** ECR digests are sha256: a digest of any other shape is a malformed event, never an image the ledger would miss. */
export const eventDigest = z.string().regex(/^sha256:[a-f0-9]{64}$/, 'expected sha256: followed by 64 lowercase hex digits');

/** Formats zod issues as `path: message; …` for an EventError. */
export function describeIssues(error: z.ZodError, prefix = ''): string {
  return error.issues.slice(0, 4).map((issue) => `${[prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(event)'}: ${issue.message}`).join('; ');
}
