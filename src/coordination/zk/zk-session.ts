import { EventEmitter } from 'node:events';
import zookeeper from 'node-zookeeper-client';
import type { Client } from 'node-zookeeper-client';
import { MetaqError } from '../../common/errors.js';

export interface ZkSessionOptions {
  /** `host:port[,host:port…][/chroot]` */
  connect: string;
  sessionTimeoutMs: number;
  connectionTimeoutMs: number;
}

type Mode = 'persistent' | 'ephemeral';

/**
 * One ZooKeeper session with promises and its own fencing clock. A cheap request goes to the
 * server several times per session timeout; once most of the timeout has passed without a completed
 * round trip (a lost link, or a server that stopped answering while its TCP connection stays
 * open) nobody can tell whether the server already expired the session, so it is declared lost
 * (`'lost'`) before a successor can act on it: brokers stop acting as master, consumers stop
 * fetching. The first round trip after that, on the same session or on a new one opened after
 * the server reported expiry, emits `'established'` so owners re-register and re-watch.
 */
export class ZkSession extends EventEmitter {
  private client: Client;
  private lastRoundTrip = performance.now();
  /** Calls waiting on the current client: failed at once when that client is replaced or closed. */
  private pending = new Set<(error: Error) => void>();
  private probing = false;
  private lostReported = false;
  private fencingTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(private readonly options: ZkSessionOptions) {
    super();
    this.client = this.newClient();
    this.scheduleFenceCheck();
  }

  /** Re-armed after every check: the pace follows the negotiated timeout once it is known. */
  private scheduleFenceCheck(): void {
    clearTimeout(this.fencingTimer);
    if (this.closed) return;
    this.fencingTimer = setTimeout(
      () => {
        this.checkFence();
        this.scheduleFenceCheck();
      },
      Math.max(25, Math.floor(this.timeoutMs / 8)),
    );
    this.fencingTimer.unref();
  }

  /**
   * The timeout the server enforces: it may have negotiated a shorter one than we asked for
   * (ZooKeeper clamps to [2, 20] ticks by default), so probes and fencing follow the shorter.
   */
  get timeoutMs(): number {
    const negotiated = this.client.getSessionTimeout();
    return negotiated > 0 ? Math.min(negotiated, this.options.sessionTimeoutMs) : this.options.sessionTimeoutMs;
  }

  static async open(options: ZkSessionOptions): Promise<ZkSession> {
    const session = new ZkSession(options);
    try {
      await session.waitConnected();
    } catch (error) {
      // The client keeps reconnecting until closed, and its sockets would hold the process open.
      await session.close();
      throw error;
    }
    return session;
  }

  private newClient(): Client {
    const client = zookeeper.createClient(this.options.connect, { sessionTimeout: this.options.sessionTimeoutMs, spinDelay: 100, retries: 2 });
    client.on('state', (state) => {
      if (state === zookeeper.State.SYNC_CONNECTED) {
        this.roundTripDone();
        this.scheduleFenceCheck(); // the negotiated timeout is known now and may be shorter
      } else if (state === zookeeper.State.EXPIRED) {
        this.reportLost();
        if (!this.closed) this.replaceClient();
      }
    });
    client.connect();
    return client;
  }

  private replaceClient(): void {
    this.abandonPending('the ZooKeeper session expired');
    this.client.close();
    this.probing = false;
    this.client = this.newClient();
  }

  /** A replaced client may never answer its calls; fail them so nothing waits forever. */
  private abandonPending(reason: string): void {
    const waiting = this.pending;
    this.pending = new Set();
    for (const fail of waiting) fail(new MetaqError('ZK_SESSION_LOST', `${reason}; the call was not completed`));
  }

  /** `sentAt`: when the request that just completed left; the server heard us no earlier than that. */
  private roundTripDone(sentAt = performance.now()): void {
    this.lastRoundTrip = Math.max(this.lastRoundTrip, sentAt);
    if (this.lostReported) {
      this.lostReported = false;
      this.emit('established');
    }
  }

  /** Probe the server, then judge: no completed round trip for a session timeout means lost. */
  private checkFence(): void {
    if (!this.probing && !this.closed) {
      this.probing = true;
      const client = this.client;
      const sentAt = performance.now();
      client.exists('/', (error) => {
        this.probing = false;
        if (!error && client === this.client) this.roundTripDone(sentAt);
      });
    }
    this.checkDeadline();
  }

  /**
   * The server may expire the session one timeout after it last heard from us. Fencing at three
   * quarters of it, checked every eighth, puts the 'lost' event before the expiry even when only
   * the timer notices; probes every eighth keep a live session well inside it.
   */
  private checkDeadline(): void {
    if (performance.now() - this.lastRoundTrip >= (this.timeoutMs * 3) / 4) this.reportLost();
  }

  private reportLost(): void {
    if (this.lostReported) return;
    this.lostReported = true;
    this.emit('lost');
  }

  /**
   * True while the session may be relied on. Judged now, not by the last timer tick: a process
   * resumed after SIGSTOP serves queued requests before its timers run (docs/testing.md, N4).
   */
  get healthy(): boolean {
    this.checkDeadline();
    return !this.lostReported;
  }

  private waitConnected(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new MetaqError(
              'ZK_CONNECT_FAILED',
              `could not connect to ZooKeeper at ${this.options.connect} within ${this.options.connectionTimeoutMs} ms; is it running?`,
            ),
          ),
        this.options.connectionTimeoutMs,
      );
      this.client.once('connected', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * One request. It fails after a session timeout without an answer: while the server is out of
   * reach the client queues requests indefinitely, and a fenced owner must not wait on them.
   */
  private call<T>(operation: (done: (error: unknown, result?: T) => void) => void): Promise<T> {
    return new Promise((resolve, reject) => {
      const pending = this.pending;
      let settled = false;
      const timeoutMs = this.timeoutMs;
      const timer = setTimeout(
        () => fail(new MetaqError('ZK_TIMEOUT', `ZooKeeper did not answer within ${timeoutMs} ms (session timeout); it may be unreachable`)),
        timeoutMs,
      );
      timer.unref();
      const fail = (error: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        pending.delete(fail);
        reject(error);
      };
      pending.add(fail);
      operation((error, result) => {
        if (settled) return;
        if (error) {
          fail(
            error instanceof Error
              ? error
              : new MetaqError('ZK_ERROR', `ZooKeeper call failed: ${(error as { message?: string }).message ?? 'unknown error'}`, { cause: error }),
          );
          return;
        }
        settled = true;
        clearTimeout(timer);
        pending.delete(fail);
        resolve(result as T);
      });
    });
  }

  /** Create parents as needed, then the node; NODE_EXISTS surfaces as an error with that code. */
  async create(path: string, data: string, mode: Mode): Promise<void> {
    const parent = path.slice(0, path.lastIndexOf('/'));
    if (parent !== '') await this.ensure(parent);
    const createMode = mode === 'ephemeral' ? zookeeper.CreateMode.EPHEMERAL : zookeeper.CreateMode.PERSISTENT;
    await this.call<string>((done) => this.client.create(path, Buffer.from(data, 'utf8'), createMode, done));
  }

  /**
   * Create an ephemeral node held by this session, or keep it if this session holds it (data
   * updated). A node another session holds and `isOurs` accepts is this process's own from before
   * a restart (kill -9, then started again within the old session's timeout): ZooKeeper deletes it
   * when that session expires, and the registration with it, so it is replaced now. Any other
   * holder's node is left alone and its data returned.
   */
  async claimEphemeral(path: string, data: string, isOurs: (holder: string) => boolean): Promise<{ claimed: true } | { claimed: false; holder: string }> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.create(path, data, 'ephemeral');
        return { claimed: true };
      } catch (error) {
        if (!isNodeExists(error)) throw error;
      }
      const found = await this.call<{ data: string; version: number; owner: Buffer } | undefined>((done) =>
        this.client.getData(path, (error, buffer, stat) => {
          if (error) done(isNoNode(error) ? null : error, undefined);
          else done(null, { data: buffer?.toString('utf8') ?? '', version: stat.version, owner: stat.ephemeralOwner });
        }),
      );
      if (found === undefined) {
        if (attempt > 5) throw new MetaqError('ZK_ERROR', `${path} kept appearing and going while it was claimed`);
        continue; // expired between the two calls: create it now
      }
      if (found.owner.equals(this.client.getSessionId())) {
        if (found.data !== data) await this.setData(path, data, found.version);
        return { claimed: true };
      }
      if (!isOurs(found.data) || attempt > 5) return { claimed: false, holder: found.data };
      try {
        await this.call((done) => this.client.remove(path, found.version, done));
      } catch (error) {
        if (!isNoNode(error) && !isBadVersion(error)) throw error;
      }
    }
  }

  /** Set a persistent node's data, creating it (and its parents) when missing. */
  async writePersistent(path: string, data: string): Promise<void> {
    if ((await this.getData(path)) === undefined) await this.create(path, data, 'persistent');
    else await this.setData(path, data);
  }

  /** A persistent node (and its parents) with no data, if missing. */
  async ensure(path: string): Promise<void> {
    await this.call<string>((done) => this.client.mkdirp(path, done));
  }

  async getData(path: string): Promise<string | undefined> {
    try {
      const data = await this.call<Buffer>((done) => this.client.getData(path, (error, buffer) => done(error, buffer)));
      return data?.toString('utf8') ?? '';
    } catch (error) {
      if (isNoNode(error)) return undefined;
      throw error;
    }
  }

  /** Data and version of a node (undefined when missing); `watch` fires once on its next change, creation or deletion. */
  async getVersioned(path: string, watch?: () => void): Promise<{ data: string; version: number } | undefined> {
    const read = () =>
      this.call<{ data: string; version: number }>((done) => {
        const callback = (error: unknown, buffer?: Buffer, stat?: { version: number }) =>
          done(error, { data: buffer?.toString('utf8') ?? '', version: stat?.version ?? -1 });
        if (watch) this.client.getData(path, watch, callback);
        else this.client.getData(path, callback);
      });
    try {
      return await read();
    } catch (error) {
      if (!isNoNode(error)) throw error;
      // A watch on a missing node must still fire when it is created: set it with exists().
      if (watch) await this.call((done) => this.client.exists(path, watch, done));
      return undefined;
    }
  }

  /** Write a node's data; with `version`, only if nobody changed it since that version (BAD_VERSION otherwise). */
  async setData(path: string, data: string, version = -1): Promise<void> {
    await this.call((done) => this.client.setData(path, Buffer.from(data, 'utf8'), version, done));
  }

  /**
   * Children of a node ([] when missing); `watch` fires once on the next change. Pass the same
   * function each time: the client keeps one registration per function and path, so a fresh
   * closure per call would pile up listeners until the node changes.
   */
  async getChildren(path: string, watch?: () => void): Promise<string[]> {
    try {
      return await this.call<string[]>((done) =>
        watch
          ? this.client.getChildren(path, watch, (error, children) => done(error, children))
          : this.client.getChildren(path, (error, children) => done(error, children)),
      );
    } catch (error) {
      if (isNoNode(error)) return [];
      throw error;
    }
  }

  async remove(path: string): Promise<void> {
    try {
      await this.call((done) => this.client.remove(path, -1, done));
    } catch (error) {
      if (!isNoNode(error)) throw error;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.fencingTimer);
    this.abandonPending('the ZooKeeper session was closed');
    this.client.close();
    await Promise.resolve();
  }
}

export function isNoNode(error: unknown): boolean {
  return (error as { getCode?: () => number }).getCode?.() === zookeeper.Exception.NO_NODE;
}

export function isBadVersion(error: unknown): boolean {
  return (error as { getCode?: () => number }).getCode?.() === zookeeper.Exception.BAD_VERSION;
}

export function isNodeExists(error: unknown): boolean {
  return (error as { getCode?: () => number }).getCode?.() === zookeeper.Exception.NODE_EXISTS;
}
