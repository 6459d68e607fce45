import type { Scope } from '../../domain/facts.js';
import { RefusedError } from '../../errors.js';
import type { LeaseHolder, SweepStore } from '../ports.js';

/** A run holds the lock for at most this long without renewing it: a crashed run blocks the next for no longer. */
export const LEASE_MS = 15 * 60_000;
/** How often a working run renews its lease in the background (it also renews before every deleting call). */
const HEARTBEAT_MS = 4 * 60_000;

const describe = (scope: Scope) => `${scope.accountId}/${scope.region}`;

function heldBy(scope: Scope, holder: LeaseHolder | undefined): RefusedError {
  const who = holder ? `run ${holder.runId} holds it since ${holder.takenAt}; it expires at ${holder.expiresAt} unless that run renews it` : 'another run holds it';
  return new RefusedError(`another sweep of ${describe(scope)} holds the run lock: ${who}. Nothing was deleted; try again later`);
}

/**
 * The run lock as a lease: taken for LEASE_MS, renewed (a conditional write on this run's id) before every deleting
 * call and in the background while the run works. A run that finds its lease taken by another stops deleting.
 */
export class RunLease {
  private heartbeat?: NodeJS.Timeout;
  private lost?: Error;

  private constructor(private readonly store: SweepStore, private readonly scope: Scope, readonly runId: string, private readonly clock: () => Date) {}

  static async take(store: SweepStore, scope: Scope, runId: string, clock: () => Date): Promise<RunLease> {
    const now = clock();
    const taken = await store.acquireLock(scope, runId, now.toISOString(), new Date(now.getTime() + LEASE_MS).toISOString());
    if (!taken.acquired) throw heldBy(scope, taken.holder);
    return new RunLease(store, scope, runId, clock).beat();
  }

  /** The lease a run took in an earlier invocation (a continuation): renewed now, or refused if it was lost. */
  static async resume(store: SweepStore, scope: Scope, runId: string, clock: () => Date): Promise<RunLease> {
    const lease = new RunLease(store, scope, runId, clock);
    await lease.renew();
    return lease.beat();
  }

  private beat(): this {
    this.heartbeat = setInterval(() => {
      this.renew().catch((error: unknown) => { this.lost ??= error as Error; });
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
    return this;
  }

  /** Hands the lease on to the run's next invocation: the heartbeat stops, the lease stays (it expires unless resumed). */
  async handOver(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.renew();
  }

  /** Extends the lease; throws (and keeps throwing) once this run no longer holds it. */
  async renew(): Promise<void> {
    if (this.lost) throw this.lost;
    const until = new Date(this.clock().getTime() + LEASE_MS).toISOString();
    if (!(await this.store.renewLock(this.scope, this.runId, until))) {
      this.lost = new RefusedError(`run ${this.runId} lost the run lock of ${describe(this.scope)} (it expired and another run took it): it stopped before deleting more`);
      throw this.lost;
    }
  }

  async release(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.store.releaseLock(this.scope, this.runId);
  }
}
