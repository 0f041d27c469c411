/** How failed logins from one address are slowed down. */
export interface LoginBackoffOptions {
  /** Failures from one address answered normally; 0: no back-off. */
  freeFailures: number;
  /** An address whose last failure is this old starts afresh. */
  windowMs: number;
  /** The first block after the free failures; each further failure doubles it, up to `maxBlockMs`. */
  firstBlockMs: number;
  maxBlockMs: number;
  /** Addresses remembered at most; the least recently failing is forgotten first. */
  maxAddresses: number;
}

export const DEFAULT_LOGIN_BACKOFF: LoginBackoffOptions = { freeFailures: 5, windowMs: 60_000, firstBlockMs: 1000, maxBlockMs: 60_000, maxAddresses: 10_000 };

interface Failures {
  count: number;
  lastMs: number;
  /** No login is tried from this address before this time (0: none blocked). */
  blockedUntilMs: number;
}

/**
 * Back-off on repeated failed logins, per client address, shared by the broker port (SCRAM) and
 * the HTTP front end (Basic): after `freeFailures` failures, each within a minute of the last, the address is
 * refused without a password check for a while that doubles with each further failure (capped),
 * so guessing costs time, not only connections. A success clears the address. Memory is bounded:
 * at most `maxAddresses` entries, oldest forgotten first (a forgotten address starts afresh).
 */
export class LoginBackoff {
  /** In order of last failure (a Map keeps insertion order): the first is the one to forget. */
  private readonly failures = new Map<string, Failures>();
  /** Login attempts refused because their address was blocked (a metric). */
  refusals = 0;

  constructor(
    private readonly options: LoginBackoffOptions = DEFAULT_LOGIN_BACKOFF,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Milliseconds `address` must still wait before a login is tried; 0: go ahead. Counts a refusal. */
  waitMs(address: string): number {
    const entry = this.failures.get(address);
    if (entry === undefined) return 0;
    const wait = Math.ceil(entry.blockedUntilMs - this.now());
    if (wait <= 0) return 0;
    this.refusals += 1;
    return wait;
  }

  /** A login from `address` failed. */
  failed(address: string): void {
    if (this.options.freeFailures === 0) return;
    const now = this.now();
    let entry = this.failures.get(address);
    if (entry === undefined || now - entry.lastMs > this.options.windowMs) entry = { count: 0, lastMs: now, blockedUntilMs: 0 };
    this.failures.delete(address);
    this.failures.set(address, entry);
    entry.count += 1;
    entry.lastMs = now;
    const excess = entry.count - this.options.freeFailures;
    if (excess > 0) entry.blockedUntilMs = now + Math.min(this.options.maxBlockMs, this.options.firstBlockMs * 2 ** Math.min(excess - 1, 30));
    while (this.failures.size > this.options.maxAddresses) this.failures.delete(this.failures.keys().next().value!);
  }

  /** A login from `address` succeeded: its failures are forgotten. */
  succeeded(address: string): void {
    this.failures.delete(address);
  }

  /** Addresses remembered now (for tests and the operator). */
  get size(): number {
    return this.failures.size;
  }

  /** The refusal text for an address that must wait. */
  static refusalText(waitMs: number): string {
    return `too many failed logins from this address: no login is tried for ${Math.ceil(waitMs / 1000)} s more; check the user name and password, then try again`;
  }
}
