import type { Config } from '../../config.js';
import type { Scope } from '../../domain/facts.js';
import { releaseIn, releaseNamed } from '../usage/release.js';
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

  /** Records that a reference went away at `when` (default: the event time): see releaseNamed. */
  async release(image: string, when = this.at, digest?: string): Promise<void> {
    await releaseNamed(this.ledger, image, { until: when, noticedAt: this.at, ...(digest !== undefined && { digest }) });
  }

  /** `target` is a digest or a tag of `repositoryName` in `registry`. */
  async releaseIn(registry: Scope, repositoryName: string, target: string, when = this.at): Promise<void> {
    await releaseIn(this.ledger, registry, repositoryName, target, { until: when, noticedAt: this.at });
  }
}
