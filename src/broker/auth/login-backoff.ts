/** How failed logins from one address are slowed down. */
export interface LoginBackoffOptions {
  /** Failures of one user name from one address answered normally; 0: no back-off. */
  freeFailures: number;
  /** A name and address this long past their last failure (or block) start afresh. */
  windowMs: number;
  /** The first block after the free failures; each further failure doubles it, up to `maxBlockMs`. */
  firstBlockMs: number;
  maxBlockMs: number;
  /** Name and address pairs remembered at most; the least recently failing is forgotten first. */
  maxEntries: number;
}

export const DEFAULT_LOGIN_BACKOFF: LoginBackoffOptions = { freeFailures: 5, windowMs: 60_000, firstBlockMs: 5000, maxBlockMs: 60_000, maxEntries: 10_000 };

interface Failures {
  count: number;
  lastMs: number;
  /** No login is tried before this time (0: not blocked). */
  blockedUntilMs: number;
}

/**
 * Back-off on repeated failed logins, per client address and user name, shared by the broker
 * port (SCRAM) and the HTTP front end (Basic): after `freeFailures` failures, each within a
 * minute of the last, logins as that name from that address are refused without a password
 * check for a while that doubles with each further failure (capped), so guessing costs time,
 * not only connections. Keyed by name too, so one client with a wrong password does not lock
 * out the other users of its host; a made-up name is held to the same rule as a real one. A
 * success clears the pair. Memory is bounded: at most `maxEntries`, oldest forgotten first.
 */
export class LoginBackoff {
  /** By address and name, in order of last failure (a Map keeps insertion order): the first is the one to forget. */
  private readonly failures = new Map<string, Failures>();
  /** Login attempts refused because their name and address were blocked (a metric). */
  refusals = 0;

  constructor(
    private readonly options: LoginBackoffOptions = DEFAULT_LOGIN_BACKOFF,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Milliseconds before a login as `user` from `address` is tried again; 0: go ahead. Counts a refusal. */
  waitMs(address: string, user: string): number {
    const entry = this.failures.get(key(address, user));
    if (entry === undefined) return 0;
    const wait = Math.ceil(entry.blockedUntilMs - this.now());
    if (wait <= 0) return 0;
    this.refusals += 1;
    return wait;
  }

  /** A login as `user` from `address` failed. */
  failed(address: string, user: string): void {
    if (this.options.freeFailures === 0) return;
    const now = this.now();
    const at = key(address, user);
    let entry = this.failures.get(at);
    // Forgotten a window after the last failure or the end of its block, whichever is later.
    if (entry === undefined || now - Math.max(entry.lastMs, entry.blockedUntilMs) > this.options.windowMs) entry = { count: 0, lastMs: now, blockedUntilMs: 0 };
    this.failures.delete(at);
    this.failures.set(at, entry);
    entry.count += 1;
    entry.lastMs = now;
    const excess = entry.count - this.options.freeFailures;
    if (excess > 0) entry.blockedUntilMs = now + Math.min(this.options.maxBlockMs, this.options.firstBlockMs * 2 ** Math.min(excess - 1, 30));
    while (this.failures.size > this.options.maxEntries) this.failures.delete(this.failures.keys().next().value!);
  }

  /** A login as `user` from `address` succeeded: its failures are forgotten. */
  succeeded(address: string, user: string): void {
    this.failures.delete(key(address, user));
  }

  /** Name and address pairs remembered now. */
  get size(): number {
    return this.failures.size;
  }

  /** The refusal text for a login that must wait. */
  static refusalText(waitMs: number): string {
    return `too many failed logins as this user from this address: no login is tried for ${Math.ceil(waitMs / 1000)} s more; check the user name and password, then try again`;
  }
}

/**
 * One key for an address whichever port it came through (an IPv4 client of a dual-stack
 * listener shows as ::ffff:a.b.c.d); user names longer than any user's (64) are cut.
 */
function key(address: string, user: string): string {
  return `${address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address} ${user.slice(0, 65)}`;
}
