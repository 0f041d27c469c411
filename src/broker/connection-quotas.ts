import type { Socket } from 'node:net';
import type { BrokerContext } from './broker-context.js';
import type { QuotaKind } from './quotas/quotas.js';

/**
 * One connection's produce and fetch byte rates (quotas, metaq addition): a request over a rate is
 * served in full, its reply held until the debt is paid, and the connection reads nothing more
 * meanwhile. A put is charged its body when it arrives, a fetch its message set when answered
 * (its size is known only then).
 */
export class ConnectionQuotas {
  /** Reading is held until this performance.now() time; 0: not held. */
  heldUntil = 0;
  private holdTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly ctx: BrokerContext,
    private readonly remoteAddress: string,
    /** Whether nothing else holds reading once a quota's hold ends. */
    private readonly mayResume: () => boolean,
  ) {}

  /**
   * Charge a request of `bytes` of `topic` to its rates: the performance.now() time its reply
   * must wait for, or 0 when it is within them (or no rate applies).
   */
  charge(kind: QuotaKind, topic: string, bytes: number): number {
    const system = this.ctx.config.system;
    const settings = this.ctx.stores.settings(topic);
    const clientBytesPerSecond = kind === 'produce' ? system.clientProduceBytesPerSecond : system.clientFetchBytesPerSecond;
    const topicBytesPerSecond = (kind === 'produce' ? settings?.produceBytesPerSecond : settings?.fetchBytesPerSecond) ?? 0;
    if (clientBytesPerSecond === 0 && topicBytesPerSecond === 0) return 0;
    const delay = this.ctx.quotas.charge(kind, this.remoteAddress, topic, bytes, { clientBytesPerSecond, topicBytesPerSecond });
    if (delay === 0) return 0;
    const releaseAt = performance.now() + delay;
    this.holdReading(releaseAt);
    return releaseAt;
  }

  stop(): void {
    clearTimeout(this.holdTimer);
  }

  /** Read nothing more from this client until `until` (performance.now() time). */
  private holdReading(until: number): void {
    if (until <= this.heldUntil) return;
    this.heldUntil = until;
    this.socket.pause();
    // One timer, moved by each longer hold: the one that fires always resumes.
    clearTimeout(this.holdTimer);
    this.holdTimer = setTimeout(
      () => {
        this.holdTimer = undefined;
        this.heldUntil = 0;
        if (this.mayResume()) this.socket.resume();
      },
      Math.max(0, until - performance.now()),
    );
    this.holdTimer.unref();
  }
}
