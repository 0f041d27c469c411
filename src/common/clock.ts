/**
 * Time, injectable. Wall-clock time is for message ids and retention ages only; timeouts and
 * intervals use the monotonic clock so a clock jump never shortens or stretches them.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  wallMs(): number;
  /** Monotonic milliseconds from an arbitrary origin. */
  monotonicMs(): number;
}

export const systemClock: Clock = {
  wallMs: () => Date.now(),
  monotonicMs: () => performance.now(),
};
