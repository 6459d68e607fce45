/** Base class of every error the project raises on purpose; branch with `instanceof`, never on `name`. */
export class EcrLedgerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A malformed image reference (`repo:tag`, `repo@sha256:…`, URI). */
export class ImageReferenceError extends EcrLedgerError {}

/** A config file that is missing, unparsable or holds a bad key. */
export class ConfigError extends EcrLedgerError {}

/** An account snapshot that is unreadable or does not match the format. */
export class SnapshotError extends EcrLedgerError {}

/** Wrong command-line usage. */
export class UsageError extends EcrLedgerError {}

/** The image asked about is not in the ledger. */
export class NotFoundError extends EcrLedgerError {}

/** An operation that refuses to run (stale ledger, lock held). */
export class RefusedError extends EcrLedgerError {}

/** A deleting or settling path could not tell which account its credentials act for now: it refuses, nothing changed. */
export class CredentialsUnknownError extends RefusedError {}

/** Refused because the caller may not do this (another principal's usage source): HTTP 403, exit 4. */
export class ForbiddenError extends RefusedError {}

/** Refused because something a deletion reaches could not be read at all (not merely unheld): exit 5. */
export class UnreadableReachError extends RefusedError {}

/** The ledger store failed (I/O, DynamoDB). */
export class LedgerStoreError extends EcrLedgerError {}

/** Reading live AWS failed in a way that would leave the picture of "in use" incomplete. */
export class AwsReadError extends EcrLedgerError {}

/** The ledger was written in an older table layout: `ecr-ledger upgrade` converts it in place. */
export class LayoutError extends EcrLedgerError {}

/** No AWS region could be found for the clients (no --region, AWS_REGION or profile region). */
export class MissingRegionError extends UsageError {}

/** A notice channel (webhook, SNS) did not take the advance notice. */
export class NoticeDeliveryError extends EcrLedgerError {}

/** A member account of the organisation cannot be read now (its reader role missing, not trusted, denied…). */
export class MemberAccessError extends AwsReadError {
  constructor(readonly accountId: string, message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
