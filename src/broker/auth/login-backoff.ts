/** How failed logins from one address are slowed down. */
export interface LoginBackoffOptions {
  /** Failures of one user name from one address answered normally; 0: no back-off. */
  freeFailures: number;
  /**
   * Failures from one address across all names answered normally (0: no address-wide count).
   * Much higher than `freeFailures`: one user's wrong password must not lock out the other users
   * behind the same address, but one address guessing many names must be slowed too.
   */
  addressFreeFailures: number;
  /** A name and address this long past their last failure (or block) start afresh. */
  windowMs: number;
  /** The first block after the free failures; each further failure doubles it, up to `maxBlockMs`. */
  firstBlockMs: number;
  maxBlockMs: number;
  /** Entries remembered at most, in each of the two tables (by name and address, by address). */
  maxEntries: number;
}

export const DEFAULT_LOGIN_BACKOFF: LoginBackoffOptions = {
  freeFailures: 5,
  addressFreeFailures: 100,
  windowMs: 60_000,
  firstBlockMs: 5000,
  maxBlockMs: 60_000,
  maxEntries: 10_000,
};

interface Failures {
  count: number;
  lastMs: number;
  /** No login is tried before this time (0: not blocked). */
  blockedUntilMs: number;
}

/** Why a login is refused without a password check, and for how long. */
export interface LoginRefusalReason {
  waitMs: number;
  text: string;
}

/**
 * Failure counts by key with a bounded memory. Entries that were blocked at their last failure
 * are kept apart from the others, so that when the table is full an unblocked entry is forgotten
 * first: otherwise a brute-forcer blocked on one name could make up `maxEntries` other names and
 * have its block forgotten. Within each part the least recently failing goes first.
 */
class FailureTable {
  /** Not blocked at their last failure, in order of last failure (a Map keeps insertion order). */
  private readonly open = new Map<string, Failures>();
  /** Blocked at their last failure (a block may have ended since), in order of last failure. */
  private readonly blocked = new Map<string, Failures>();

  constructor(
    private readonly free: number,
    private readonly options: LoginBackoffOptions,
  ) {}

  get size(): number {
    return this.open.size + this.blocked.size;
  }

  get(key: string): Failures | undefined {
    return this.blocked.get(key) ?? this.open.get(key);
  }

  delete(key: string): void {
    this.open.delete(key);
    this.blocked.delete(key);
  }

  /** Milliseconds `key` must still wait; 0: go ahead. */
  waitMs(key: string, now: number): number {
    const entry = this.get(key);
    return entry === undefined ? 0 : Math.max(0, Math.ceil(entry.blockedUntilMs - now));
  }

  failed(key: string, now: number): void {
    if (this.free === 0) return;
    let entry = this.get(key);
    // Forgotten a window after the last failure or the end of its block, whichever is later.
    if (entry === undefined || now - Math.max(entry.lastMs, entry.blockedUntilMs) > this.options.windowMs) entry = { count: 0, lastMs: now, blockedUntilMs: 0 };
    this.delete(key);
    entry.count += 1;
    entry.lastMs = now;
    const excess = entry.count - this.free;
    if (excess > 0) entry.blockedUntilMs = now + Math.min(this.options.maxBlockMs, this.options.firstBlockMs * 2 ** Math.min(excess - 1, 30));
    (excess > 0 ? this.blocked : this.open).set(key, entry);
    while (this.size > this.options.maxEntries) this.forgetOne(now);
  }

  /**
   * Forget one entry that is not blocked now. The entry just added is in `open`, so there always
   * is one; but the oldest blocked entry goes first if its block has ended, so that old blocks
   * cannot fill the table and keep every new name from being counted. O(1) per failure.
   */
  private forgetOne(now: number): void {
    const oldestBlocked = this.blocked.entries().next();
    if (oldestBlocked.done !== true && oldestBlocked.value[1].blockedUntilMs <= now) this.blocked.delete(oldestBlocked.value[0]);
    else this.open.delete(this.open.keys().next().value!);
  }
}

/**
 * Back-off on repeated failed logins, shared by the broker port (SCRAM) and the HTTP front end
 * (Basic). Per client address and user name: after `freeFailures` failures, each within a
 * minute of the last, logins as that name from that address are refused without a password
 * check for a while that doubles with each further failure (capped), so guessing costs time,
 * not only connections. Keyed by name too, so one client with a wrong password does not lock
 * out the other users of its host; a made-up name is held to the same rule as a real one. A
 * success clears the pair. Per address across all names, the same rule with the much higher
 * `addressFreeFailures`, so making up names does not escape it; a success does not clear that
 * count (a guesser holding one valid login could otherwise reset it). Memory is bounded.
 */
export class LoginBackoff {
  private readonly byName: FailureTable;
  private readonly byAddress: FailureTable;
  /** Login attempts refused because their name and address (or address) were blocked (a metric). */
  refusals = 0;

  constructor(
    private readonly options: LoginBackoffOptions = DEFAULT_LOGIN_BACKOFF,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.byName = new FailureTable(options.freeFailures, options);
    this.byAddress = new FailureTable(options.freeFailures === 0 ? 0 : options.addressFreeFailures, options);
  }

  /** Why a login as `user` from `address` is refused without a try, or undefined: go ahead. Counts a refusal. */
  refusal(address: string, user: string): LoginRefusalReason | undefined {
    const now = this.now();
    const byName = this.byName.waitMs(key(address, user), now);
    const byAddress = this.byAddress.waitMs(normalAddress(address), now);
    if (byName <= 0 && byAddress <= 0) return undefined;
    this.refusals += 1;
    if (byName >= byAddress) return { waitMs: byName, text: LoginBackoff.refusalText(byName) };
    return {
      waitMs: byAddress,
      text: `too many failed logins from this address, whatever the user name: no login is tried for ${Math.ceil(byAddress / 1000)} s more; check the user name and password, then try again`,
    };
  }

  /** Milliseconds before a login as `user` from `address` is tried again; 0: go ahead. Counts a refusal. */
  waitMs(address: string, user: string): number {
    return this.refusal(address, user)?.waitMs ?? 0;
  }

  /** A login as `user` from `address` failed. */
  failed(address: string, user: string): void {
    const now = this.now();
    this.byName.failed(key(address, user), now);
    this.byAddress.failed(normalAddress(address), now);
  }

  /** A login as `user` from `address` succeeded: the pair's failures are forgotten (not the address's). */
  succeeded(address: string, user: string): void {
    this.byName.delete(key(address, user));
  }

  /** Name and address pairs remembered now. */
  get size(): number {
    return this.byName.size;
  }

  /** Addresses whose failures across all names are remembered now. */
  get addresses(): number {
    return this.byAddress.size;
  }

  /** The refusal text for a login as a name that must wait. */
  static refusalText(waitMs: number): string {
    return `too many failed logins as this user from this address: no login is tried for ${Math.ceil(waitMs / 1000)} s more; check the user name and password, then try again`;
  }
}

/** An IPv4 client of a dual-stack listener shows as ::ffff:a.b.c.d: one address whichever port it came through. */
function normalAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

/** User names longer than any user's (64) are cut. */
function key(address: string, user: string): string {
  return `${normalAddress(address)} ${user.slice(0, 65)}`;
}
