import { tagDigests } from '../../domain/tag-fact.js';
import type { Config } from '../../config.js';
import type { Scope } from '../../domain/facts.js';
import { parseImageReference } from '../../domain/image-reference.js';
import type { AwsLookups, EventLedger } from '../ports.js';
import type { OutsideDeletions } from '../undo/outside-deletion.js';
import type { RestoreOnUseDeps } from '../undo/restore-on-use.js';
import type { UsageIndex } from '../usage-index.js';

export interface EventDeps {
  readonly ledger: EventLedger;
  /** Absent offline: changes that need AWS are then skipped with a warning (the daily reconcile repairs them). */
  readonly lookups?: AwsLookups;
  readonly config: Config;
  readonly warn: (message: string) => void;
  /** Organisation-wide: whether events of this account and region are followed (config `organization`); absent: all are. */
  readonly admits?: (scope: Scope) => boolean | Promise<boolean>;
  /** A deletion ECR reports of an image the ledger holds in use: recorded and told (`InUseImageDeleted`). */
  readonly deletions?: OutsideDeletions;
  /** Restore on use (config `restoreOnUse`): an archived image a change refers to is restored, or told. */
  readonly archived?: { readonly index: () => UsageIndex; readonly restore: RestoreOnUseDeps };
}

/** One event being applied: its scope, its time, and helpers shared by the change handlers. */
export class EventContext {
  constructor(readonly deps: EventDeps, readonly scope: Scope, readonly at: string, readonly eventId: string) {}

  get ledger(): EventLedger {
    return this.deps.ledger;
  }

  /** The lookups, or undefined after a warning that names what is skipped offline. */
  online(what: string): AwsLookups | undefined {
    if (!this.deps.lookups) this.deps.warn(`event ${this.eventId}: offline, so ${what} is skipped; the next reconcile repairs it`);
    return this.deps.lookups;
  }

  /**
   * Records that a reference went away at `when` (default: the event time), on the image in the registry it names —
   * this scope's or another account's or region's (grace counts from the last use anywhere). A digest is released
   * directly; a tag releases the image it points to now; `digest`, when given, is the digest the container actually
   * ran. A registry the ledger does not hold has nothing to stamp.
   */
  async release(image: string, when = this.at, digest?: string): Promise<void> {
    let ref;
    try {
      ref = parseImageReference(image, 'container');
    } catch {
      return; // a malformed reference protected nothing
    }
    if (ref.kind !== 'ecr' || ref.registryId === undefined || ref.region === undefined) return;
    await this.releaseIn({ accountId: ref.registryId, region: ref.region }, ref.repositoryName, digest ?? ref.digest ?? ref.tag ?? 'latest', when);
  }

  /** `target` is a digest or a tag of `repositoryName` in `registry`. */
  async releaseIn(registry: Scope, repositoryName: string, target: string, when = this.at): Promise<void> {
    let digests = target.includes(':') ? [target] : undefined;
    if (!digests) {
      const tag = await this.ledger.getFact(registry, 'tag', `${repositoryName}:${target}`);
      if (!tag || tag.deleted) return;
      digests = tagDigests(tag.fact);
    }
    for (const digest of digests) await this.ledger.releaseImage(registry, repositoryName, digest, when, this.at);
  }
}
