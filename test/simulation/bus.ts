import type { Delivery } from './timeline.js';

/** What an event is sent with: a check the oracle makes once (if ever) it is applied. */
type Pending = { readonly event: object; readonly check?: () => Promise<void> };

/**
 * EventBridge as the world delivers it: at once, held back (and later handed over newest first: reordered), twice,
 * or never. `apply` is the product's event path; an event it fails (false) is held and handed over again later, as
 * the queue's retries and the dead-letter redrive do.
 */
export class SimulatedBus {
  private held: Pending[] = [];
  private sent = 0;

  constructor(private readonly apply: (event: object) => Promise<boolean>) {}

  async send(event: object, delivery: Delivery, check?: () => Promise<void>): Promise<void> {
    if (delivery === 'lost') return;
    if (delivery === 'late') { this.held.push({ event, ...(check && { check }) }); return; }
    await this.handOver({ event, ...(check && { check }) });
    if (delivery === 'twice') this.held.push({ event });
  }

  /** Holds an event back without applying it now (a DELETE that comes late). */
  hold(event: object): void {
    this.held.push({ event });
  }

  /** Hands over what was held back, newest first. */
  async deliverHeld(): Promise<void> {
    const due = this.held.reverse();
    this.held = [];
    for (const pending of due) await this.handOver(pending);
  }

  private async handOver(pending: Pending): Promise<void> {
    if (!(await this.apply(pending.event))) { this.held.push(pending); return; }
    await pending.check?.();
  }

  /** An EventBridge envelope at `time`, from `scope`'s account and region. */
  envelope(time: string, detailType: string, source: string, detail: object, resources: string[], scope: { accountId: string; region: string }) {
    return { version: '0', id: `sim-${(this.sent += 1)}`, 'detail-type': detailType, source, account: scope.accountId, time, region: scope.region, resources, detail };
  }
}
