import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { Command } from '../../protocol/commands.js';
import type { Reply } from '../../protocol/commands/reply.js';
import { isSuccess } from '../../protocol/commands/reply.js';
import { decodeVersionReply } from '../../protocol/commands/version.js';
import { CommandDecoder } from '../../protocol/decoder.js';
import { BufferPool } from '../../common/buffer-pool.js';
import { encodeCommand, encodeToBuffer } from '../../protocol/encoder.js';
import { AbortedError, ClosedError, ConnectionError, RequestTimeoutError } from '../errors.js';
import type { BrokerAddress } from './broker-address.js';
import { OpaqueCounter } from './opaque-counter.js';
import { AuthenticationError, ScramLogin } from './scram-login.js';
import { TickCorkedWriter } from './tick-corked-writer.js';
import type { Credentials } from './scram-login.js';
import { defaultConnectionOptions } from './connection-options.js';
import type { ConnectionOptions } from './connection-options.js';

export type { Reply };
// The options live in their own file; callers keep importing them with the connection.
export type { ConnectionOptions };
export { defaultConnectionOptions };

interface Pending {
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
  deadline: number;
  what: string;
  timeoutMs: number;
}

/** How often deadlines and idleness are checked. */
const SWEEP_MS = 100;

/** The largest reply body read into a reused buffer: a fetch of MetaQ's default size. */
const RECYCLED_BODY_BYTES = 1024 * 1024;

/** One socket read at most: larger than Node's 64 KiB, so a 1 MiB fetch takes fewer reads. */
const READ_BUFFER_BYTES = 256 * 1024;

/**
 * One TCP connection to one broker, shared by every producer and consumer of a client.
 * Requests are pipelined and matched to replies by opaque; each has its own deadline. While the
 * connection is down, new requests wait for the reconnect (within their deadline) and requests
 * in flight fail with ConnectionError, since their outcome is unknown. Reconnects back off
 * exponentially with jitter, capped.
 */
export class BrokerConnection {
  private socket: Socket | undefined;
  private decoder = new CommandDecoder();
  /** Reply bodies handed back by their readers (`recycle`), for the next large reply. */
  private readonly bodies = new BufferPool(RECYCLED_BODY_BYTES, 4);
  /** Where a plain socket reads into, reused for every read. */
  private readonly readBuffer = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
  private readonly pending = new Map<number, Pending>();
  /** Frames written while disconnected, sent on connect. */
  private queued: Buffer[] = [];
  private readonly opaques = new OpaqueCounter();
  private readonly options: ConnectionOptions;
  private readonly sweeper: NodeJS.Timeout;
  private connected = false;
  private closed = false;
  private attempts = 0;
  /** Since when no connection has been up (creation or the last loss): the time a failing request really waited. */
  private disconnectedSince = performance.now();
  private reconnectTimer: NodeJS.Timeout | undefined;
  private lastActivity = performance.now();
  private heartbeatInFlight = false;
  /** Writes to the current socket, corked within a tick. */
  private writer: TickCorkedWriter | undefined;
  private heartbeatFailures = 0;
  private connectedWaiters: Array<() => void> = [];
  private connects = 0;
  /** The login under way on a new socket: the opaque of its outstanding step and what reads its reply. */
  private login: { opaque: number; onReply: (reply: Reply) => void } | undefined;
  /** Why the last connection attempt failed (refused, TLS verification...), for the errors of requests that never left. */
  private lastConnectError: string | undefined;
  /** The broker's refusal of this connection's login, until a login succeeds. */
  private refusal: string | undefined;
  /** The broker's extensions, asked on first need; forgotten on reconnect (it may be another broker). */
  private offered: Promise<ReadonlySet<string>> | undefined;
  knownExtensions: ReadonlySet<string> | undefined;

  constructor(
    readonly address: BrokerAddress,
    options: Partial<ConnectionOptions> = {},
  ) {
    this.options = { ...defaultConnectionOptions, ...options };
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
    this.open();
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** Why the broker refused the last login (`... refused the login of <user> (401): <why>`); undefined once one succeeds. */
  get loginRefusal(): string | undefined {
    return this.refusal;
  }

  /** How many times a connection was established: tells a caller that the one it used was replaced. */
  get connectionNumber(): number {
    return this.connects;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  private open(): void {
    const tls = this.options.tls;
    // Plain sockets read into one buffer of this connection (`onread`), not a fresh 64 KiB one
    // per read: the decoder copies out what it keeps. TLS sockets deliver chunks of their own.
    this.decoder = new CommandDecoder(
      { maxBodyBytes: this.options.maxReplyBytes },
      { bodyBuffer: (length) => this.bodies.take(length), reusedInput: tls === undefined },
    );
    const { host, port } = this.address;
    const readBuffer = this.readBuffer;
    const onread = { buffer: readBuffer, callback: (bytes: number): boolean => this.received(socket, readBuffer.subarray(0, bytes)) };
    const socket: Socket = tls === undefined ? connect({ host, port, onread }) : connectTls({ ...tls, host, port });
    this.socket = socket;
    this.writer = new TickCorkedWriter(socket);
    socket.setNoDelay(true);
    socket.on(tls === undefined ? 'connect' : 'secureConnect', () => {
      if (this.options.auth === undefined) this.established(socket);
      else this.logIn(socket, this.options.auth);
    });
    if (tls !== undefined) socket.on('data', (chunk: Buffer) => this.received(socket, chunk));
    socket.on('error', (error: Error) => {
      if (!this.connected) this.lastConnectError = error.message;
    }); // 'close' follows and handles it
    socket.on('close', () => this.lost(socket));
  }

  /** The socket is ready for requests: send what waited for it. */
  private established(socket: Socket): void {
    this.connects += 1;
    if (this.connects > 1) {
      this.offered = undefined;
      this.knownExtensions = undefined;
    }
    this.connected = true;
    this.lastConnectError = undefined;
    this.refusal = undefined;
    this.attempts = 0;
    this.heartbeatFailures = 0;
    this.lastActivity = performance.now();
    if (this.queued.length > 0) {
      socket.cork();
      for (const frame of this.queued) socket.write(frame);
      socket.uncork();
      this.queued = [];
    }
    for (const waiter of this.connectedWaiters.splice(0)) waiter();
  }

  /**
   * Log in before anything else is sent; the connection counts as established only once the
   * broker accepted. A refusal closes the socket and is the reason requests fail with.
   */
  private logIn(socket: Socket, credentials: Credentials): void {
    const login = new ScramLogin(credentials, this.address.url);
    const timer = setTimeout(() => {
      if (this.socket !== socket) return;
      this.lastConnectError = `no answer to the login within ${this.options.heartbeatTimeoutMs} ms`;
      socket.destroy();
    }, this.options.heartbeatTimeoutMs);
    timer.unref();
    const send = (opaque: number, frame: Buffer): void => {
      this.login = { opaque, onReply };
      socket.write(frame);
    };
    const onReply = (reply: Reply): void => {
      const opaque = this.opaques.take();
      login.next(reply, opaque).then(
        (command) => {
          if (this.socket !== socket) return;
          if (command !== undefined) return send(opaque, encodeToBuffer(command));
          clearTimeout(timer);
          this.login = undefined;
          this.established(socket);
        },
        (error: unknown) => {
          clearTimeout(timer);
          this.login = undefined;
          this.lastConnectError = (error as Error).message;
          if (error instanceof AuthenticationError) this.refusal = error.message;
          socket.destroy();
        },
      );
    };
    const opaque = this.opaques.take();
    send(opaque, encodeToBuffer(login.first(opaque)));
  }

  private settle(reply: Command): void {
    if (reply.kind !== 'result' && reply.kind !== 'value') return;
    if (this.login !== undefined && reply.opaque === this.login.opaque) return this.login.onReply(reply);
    const entry = this.pending.get(reply.opaque);
    if (entry === undefined) return; // timed out already
    this.pending.delete(reply.opaque);
    if (this.pending.size === 0) this.sweeper.unref();
    entry.resolve(reply);
  }

  private lost(socket: Socket): void {
    if (this.socket !== socket) return;
    const wasConnected = this.connected;
    this.connected = false;
    this.socket = undefined;
    this.writer = undefined;
    if (wasConnected) {
      this.disconnectedSince = performance.now();
      // Every pending request was written: its outcome is unknown. (After a failed connect
      // attempt the pending requests are still queued and wait for the next attempt.)
      const error = new ConnectionError(`connection to ${this.address.url} was lost; requests in flight may or may not have been processed`);
      for (const entry of this.pending.values()) entry.reject(error);
      this.pending.clear();
    }
    if (this.closed) return;
    const ceiling = Math.min(this.options.reconnectMaxMs, this.options.reconnectInitialMs * 2 ** this.attempts);
    const delay = ceiling / 2 + (Math.random() * ceiling) / 2;
    this.attempts += 1;
    this.reconnectTimer = setTimeout(() => this.open(), delay);
    this.reconnectTimer.unref();
  }

  /** Fail requests past their deadline; send a heartbeat on an idle connection. */
  private sweep(): void {
    const now = performance.now();
    for (const [opaque, entry] of this.pending) {
      if (entry.deadline <= now) {
        this.pending.delete(opaque);
        // Never sent while no connection could be made: say why, not just that time ran out.
        if (!this.connected && this.lastConnectError !== undefined) entry.reject(new ConnectionError(`${entry.what} was not sent: ${this.unreachable(now)}`));
        else entry.reject(new RequestTimeoutError(entry.what, entry.timeoutMs));
      }
    }
    if (this.pending.size === 0) this.sweeper.unref();
    if (this.connected && !this.heartbeatInFlight && now - this.lastActivity >= this.options.heartbeatIdleMs) this.heartbeat();
  }

  /**
   * What the failed connection attempts add up to. Requests queue one after another on a dead
   * broker, so each one's own timeout would understate how long the caller has waited.
   */
  private unreachable(now: number): string {
    const tries = this.attempts; // failed ones since the last connection
    const { host, port } = this.address;
    return `could not connect to ${this.address.url}: ${tries} attempt${tries === 1 ? '' : 's'} over ${Math.round(now - this.disconnectedSince)} ms failed (last: ${this.lastConnectError}); is a broker running on ${host.includes(':') ? `[${host}]` : host}:${port}?`;
  }

  private heartbeat(): void {
    this.heartbeatInFlight = true;
    this.request((opaque) => ({ kind: 'version', opaque }), this.options.heartbeatTimeoutMs, 'heartbeat')
      .then((reply) => {
        if (isSuccess(reply)) this.heartbeatFailures = 0;
        else if (++this.heartbeatFailures >= this.options.heartbeatMaxFailures) this.socket?.destroy();
      })
      .catch(() => this.socket?.destroy()) // no answer in time: the connection is dead or half-open
      .finally(() => {
        this.heartbeatInFlight = false;
      });
  }

  /** The extensions the broker lists in its `version` reply; none if it does not answer in time. */
  extensions(): Promise<ReadonlySet<string>> {
    this.offered ??= this.request((opaque) => ({ kind: 'version', opaque }), this.options.heartbeatTimeoutMs, 'version').then(
      (reply) => {
        const offered = decodeVersionReply(reply);
        if (this.offered !== undefined) this.knownExtensions = offered;
        return offered;
      },
      () => {
        this.offered = undefined; // ask again next time; meanwhile plain commands work everywhere
        return new Set<string>();
      },
    );
    return this.offered;
  }

  /** Bytes from the socket; always true: keep reading (`onread`'s contract). */
  private received(socket: Socket, chunk: Buffer): boolean {
    this.lastActivity = performance.now(); // idleness is judged by replies: a request without replies is not liveness
    let replies: Command[];
    try {
      replies = this.decoder.push(chunk);
    } catch (error) {
      socket.destroy(error as Error);
      return true;
    }
    for (const reply of replies) this.settle(reply);
    return true;
  }

  recycle(body: Buffer): void {
    this.bodies.give(body);
  }

  /** Send a request and wait for its reply. */
  request(build: (opaque: number) => Command, timeoutMs: number, what: string, signal?: AbortSignal): Promise<Reply> {
    if (this.closed) return Promise.reject(new ClosedError(`connection to ${this.address.url}`));
    if (signal?.aborted) return Promise.reject(new AbortedError(what));
    const opaque = this.opaques.take();
    const frames = encodeCommand(build(opaque));
    return new Promise<Reply>((resolve, reject) => {
      const deadline = performance.now() + timeoutMs;
      if (signal === undefined) {
        this.pending.set(opaque, { resolve, reject, deadline, what, timeoutMs });
      } else {
        const onAbort = () => {
          if (this.pending.delete(opaque)) reject(new AbortedError(what));
        };
        const detach =
          <T>(settle: (value: T) => void) =>
          (value: T) => {
            signal.removeEventListener('abort', onAbort);
            settle(value);
          };
        this.pending.set(opaque, { resolve: detach(resolve), reject: detach(reject), deadline, what, timeoutMs });
        signal.addEventListener('abort', onAbort, { once: true });
      }
      // While a request waits, its timeout must be able to fire even if nothing else keeps the
      // process alive (a script awaiting a send to a dead broker gets an error, not a silent exit).
      this.sweeper.ref();
      this.write(frames);
    });
  }

  /** Send a command nothing answers (MetaQ's transaction END). */
  post(build: (opaque: number) => Command): void {
    if (this.closed) return;
    this.write(encodeCommand(build(this.opaques.take())));
  }

  private write(frames: Buffer[]): void {
    const writer = this.writer;
    if (!this.connected || writer === undefined) {
      this.queued.push(...frames);
      return;
    }
    writer.write(frames);
  }

  /** Resolves once connected (or rejects after `timeoutMs`). */
  waitConnected(timeoutMs: number): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new ConnectionError(
              `could not connect to ${this.address.url} within ${timeoutMs} ms (${this.lastConnectError ?? 'no answer'}); is the broker running, and are its TLS settings and yours alike?`,
            ),
          ),
        timeoutMs,
      );
      this.connectedWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Close now; requests in flight fail with ClosedError. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const error = new ClosedError(`connection to ${this.address.url}`);
    for (const entry of this.pending.values()) entry.reject(error);
    this.pending.clear();
    const socket = this.socket;
    if (socket === undefined || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref(); // a peer that never answers the FIN
    });
  }
}
