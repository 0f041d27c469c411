import type { Socket } from 'node:net';
import { DEFAULT_OPAQUE } from '../protocol/commands.js';
import type { CommandDecoder } from '../protocol/decoder.js';
import { encodeResult } from '../protocol/encoder.js';
import { Status } from '../protocol/status.js';
import type { BrokerContext } from './broker-context.js';

/** How long a closing reply may take to flush before the socket is destroyed anyway (a client that stopped reading). */
const CLOSE_GRACE_MS = 5_000;

/** What the timers ask the connection before closing it. */
export interface ConnectionActivity {
  /** Requests unanswered or waiting gets (`wget`) waiting: the client is waiting on us, not idle. */
  busy(): boolean;
  /** The broker is not reading this connection (in flight, a quota, the body budget; not the client's unread replies): its sender is not late. */
  readingHeld(): boolean;
  /** Write the replies of this turn still held back, before the connection is ended. */
  flushReplies(): void;
}

/**
 * The time limits of one connection, each closing it with a `result 408` that says which limit
 * and what to do:
 * - `headerTimeoutMs`: a command line must arrive within it of its first byte (slow senders);
 * - `bodyTimeoutMs`: a body must arrive within it of its command line (a put that stops one byte
 *   short would otherwise hold its memory for ever);
 * - `idleTimeoutMs`: a connection with nothing in flight and no byte received for so long is
 *   closed (clients heartbeat every 10 s, so only abandoned connections are).
 * Time while the broker itself holds reading does not count against the client.
 */
export class ConnectionTimers {
  private headerTimer: NodeJS.Timeout | undefined;
  private bodyTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private writeTimer: NodeJS.Timeout | undefined;
  /** Where the socket's writes stood when the write-stall timer was last armed. */
  private flushedMark = '';
  private lastReceivedAt = performance.now();
  private closing = false;

  constructor(
    private readonly socket: Socket,
    private readonly ctx: BrokerContext,
    private readonly remote: string,
    private readonly decoder: CommandDecoder,
    private readonly activity: ConnectionActivity,
  ) {
    this.armIdle(ctx.config.system.idleTimeoutMs);
  }

  /** After each read: `completedOne` when it finished at least one command. */
  afterRead(completedOne: boolean): void {
    this.lastReceivedAt = performance.now();
    this.watchHeader(completedOne);
    this.watchBody();
  }

  stop(): void {
    clearTimeout(this.headerTimer);
    clearTimeout(this.bodyTimer);
    clearTimeout(this.idleTimer);
    clearTimeout(this.writeTimer);
  }

  /**
   * Where the socket's writes stand: bytes of completed writes, and what the write under way (one
   * writev of a tick's replies, possibly tens of MB) still has to hand the kernel. Completed writes
   * alone would show no progress for a slow reader working through one large writev. libuv's queue
   * size is not public API; without it (TLS) only completed writes count.
   */
  private get flushed(): string {
    const handle = (this.socket as { _handle?: { writeQueueSize?: number } | null })._handle;
    return `${this.socket.bytesWritten - this.socket.writableLength}/${handle?.writeQueueSize ?? 0}`;
  }

  /**
   * After each reply (and each drain): replies left unsent must make progress within
   * bodyTimeoutMs. A client that stops reading would otherwise keep its connection, and whatever
   * it holds (a half-sent body's budget), for ever; a slow reader makes progress and is kept.
   */
  afterWrite(): void {
    const limitMs = this.ctx.config.system.bodyTimeoutMs;
    if (limitMs === 0 || this.writeTimer !== undefined || this.socket.writableLength === 0) return;
    this.flushedMark = this.flushed;
    const check = (): void => {
      this.writeTimer = undefined;
      if (this.socket.destroyed || this.socket.writableLength === 0) return;
      if (this.flushed === this.flushedMark) {
        this.ctx.counters.writeStallTimeouts += 1;
        // The client reads nothing, so a closing reply would never arrive: the socket is destroyed.
        this.ctx.logger.info(
          {
            component: 'connection',
            remote: this.remote,
            unsentBytes: this.socket.writableLength,
            reason: `no reply byte could be sent for ${limitMs} ms (the client stopped reading; bodyTimeoutMs)`,
          },
          'replies not read in time: closing the connection',
        );
        this.closing = true;
        this.stop();
        this.socket.destroy();
        return;
      }
      this.flushedMark = this.flushed;
      this.writeTimer = setTimeout(check, limitMs);
      this.writeTimer.unref();
    };
    this.writeTimer = setTimeout(check, limitMs);
    this.writeTimer.unref();
  }

  private watchHeader(completedOne: boolean): void {
    const limitMs = this.ctx.config.system.headerTimeoutMs;
    if (limitMs === 0) return;
    if (completedOne || !this.decoder.inHeader) {
      clearTimeout(this.headerTimer);
      this.headerTimer = undefined;
    }
    if (!this.decoder.inHeader || this.headerTimer !== undefined) return;
    this.headerTimer = setTimeout(() => {
      this.ctx.counters.headerTimeouts += 1;
      this.close(
        'command line not completed in time',
        `a command line must arrive within ${limitMs} ms of its first byte (headerTimeoutMs); closing the connection`,
      );
    }, limitMs);
  }

  /** One timer per body, from its command line to its last byte. */
  private watchBody(): void {
    const limitMs = this.ctx.config.system.bodyTimeoutMs;
    if (limitMs === 0) return;
    if (!this.decoder.inBody) {
      clearTimeout(this.bodyTimer);
      this.bodyTimer = undefined;
      return;
    }
    if (this.bodyTimer !== undefined) return;
    const expire = (): void => {
      if (this.activity.readingHeld()) {
        this.bodyTimer = setTimeout(expire, limitMs); // we stopped reading: the sender gets its time again
        return;
      }
      this.ctx.counters.bodyTimeouts += 1;
      this.close(
        'request body not completed in time',
        `a request body must arrive within ${limitMs} ms of its command line (bodyTimeoutMs); nothing of it was done; send smaller requests or from a faster link; closing the connection`,
      );
    };
    this.bodyTimer = setTimeout(expire, limitMs);
  }

  private armIdle(delayMs: number): void {
    const limitMs = this.ctx.config.system.idleTimeoutMs;
    if (limitMs === 0) return;
    this.idleTimer = setTimeout(() => {
      const quietMs = performance.now() - this.lastReceivedAt;
      // A half-received frame has its own limit; waiting on us is not idleness.
      const waiting = this.activity.busy() || this.activity.readingHeld() || this.decoder.inHeader || this.decoder.inBody;
      if (waiting || quietMs < limitMs) return this.armIdle(waiting ? limitMs : limitMs - quietMs);
      this.ctx.counters.idleTimeouts += 1;
      this.close(
        'connection idle',
        `nothing received for ${limitMs} ms with no request in flight (idleTimeoutMs); closing the connection: send a heartbeat (version) while idle, or reconnect when needed`,
      );
    }, delayMs);
    this.idleTimer.unref();
  }

  /** Reply why, then close once that is flushed (or after a grace period, if the client reads nothing). */
  private close(event: string, text: string): void {
    if (this.closing || this.socket.destroyed) return;
    this.closing = true;
    this.stop();
    this.ctx.logger.info({ component: 'connection', remote: this.remote, reason: text }, `${event}: closing the connection`);
    this.socket.pause();
    this.activity.flushReplies(); // answered before the closing reply, not dropped after it
    this.socket.end(encodeResult(Status.requestTimeout, DEFAULT_OPAQUE, text), () => this.socket.destroy());
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }
}
