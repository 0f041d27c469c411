import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';

/**
 * The wall clock as retention may trust it (docs/testing.md, N7). Retention deletes by age, so a wall
 * clock set forward by mistake would delete a burst of segments that are not old at all. The
 * broker remembers how far the wall clock is from the monotonic one at start; when it has since
 * moved forward by more than `toleranceMs` (NTP only slews by milliseconds a day), deletion by
 * age pauses and a clock-anomaly warning is logged, until an operator accepts the new time
 * (`POST /api/clock/accept`) or the broker restarts. A backward jump makes segments look younger
 * and so never deletes anything; it needs no guard.
 */
export class RetentionClock {
  /** wall − monotonic when the wall clock was last trusted. */
  private trustedSkewMs: number;
  /** Forward jumps noticed since start. */
  anomalies = 0;
  /** How far ahead of the trusted time the wall clock is, while deletion is paused; 0: not paused. */
  pausedByMs = 0;

  constructor(
    private readonly clock: Clock,
    private readonly toleranceMs: number,
    private readonly logger: Logger,
  ) {
    this.trustedSkewMs = this.skew();
  }

  private skew(): number {
    return this.clock.wallMs() - this.clock.monotonicMs();
  }

  /** The wall time to judge ages by, or undefined when deletion by age must wait. */
  nowForRetention(): number | undefined {
    const now = this.clock.wallMs();
    if (this.toleranceMs === 0) return now;
    const jumpMs = this.skew() - this.trustedSkewMs;
    if (jumpMs <= this.toleranceMs) {
      this.pausedByMs = 0;
      return now;
    }
    if (this.pausedByMs === 0) {
      this.anomalies += 1;
      this.logger.warn(
        { component: 'retention', jumpMs, toleranceMs: this.toleranceMs },
        'clock anomaly: the wall clock jumped forward; deletion by age is paused until the time is accepted (POST /api/clock/accept) or the broker restarts',
      );
    }
    this.pausedByMs = jumpMs;
    return undefined;
  }

  /** The operator says the wall clock is right now: trust it from here. */
  accept(): void {
    this.trustedSkewMs = this.skew();
    this.pausedByMs = 0;
    this.logger.info({ component: 'retention' }, 'wall clock accepted; deletion by age resumes');
  }
}
