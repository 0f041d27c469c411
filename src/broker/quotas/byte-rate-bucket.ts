/**
 * A byte rate enforced by delay, not refusal (Kafka's quotas): bytes are always taken, and what
 * was taken beyond the rate (with one second of it as a burst) is paid back by waiting.
 */
export class ByteRateBucket {
  /** Bytes that may pass now; negative when in debt. */
  private tokens: number;
  private lastMs: number;

  constructor(
    readonly bytesPerSecond: number,
    nowMs: number,
  ) {
    this.tokens = bytesPerSecond;
    this.lastMs = nowMs;
  }

  /** Take `bytes` now; how many milliseconds the caller should wait before answering. */
  take(bytes: number, nowMs: number): number {
    const elapsed = Math.max(0, nowMs - this.lastMs); // a clock stepping back refills nothing
    this.lastMs = Math.max(this.lastMs, nowMs);
    this.tokens = Math.min(this.bytesPerSecond, this.tokens + (elapsed * this.bytesPerSecond) / 1000);
    this.tokens -= bytes;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.bytesPerSecond);
  }
}
