import type { Socket } from 'node:net';
import { ReplyBytes } from '../protocol/reply-bytes.js';
import { ProtocolError } from '../common/errors.js';
import type { AuthCommand, Command, GetCommand } from '../protocol/commands.js';
import { DEFAULT_OPAQUE } from '../protocol/commands.js';
import { CommandDecoder } from '../protocol/decoder.js';
import { encodeResult } from '../protocol/encoder.js';
import { Status } from '../protocol/status.js';
import type { BrokerContext, ReplySink } from './broker-context.js';
import { handleAdmin } from './handlers/admin-handler.js';
import type { QuotaKind, QuotaLimits } from './quotas/quotas.js';
import { handleGet } from './handlers/get-handler.js';
import { handleOffset } from './handlers/offset-handler.js';
import { handleOffsetForTime } from './handlers/offset-for-time-handler.js';
import { handleKeyOffsets } from './handlers/key-offsets-handler.js';
import { handlePutSet } from './handlers/put-set-handler.js';
import { handleDelayedPut } from './handlers/delayed-put-handler.js';
import { handleWaitingGet } from './handlers/waiting-get-handler.js';
import { handlePut } from './handlers/put-handler.js';
import { handleStats } from './handlers/stats-handler.js';
import { handleTransaction } from './handlers/transaction-handler.js';
import { handleVersion } from './handlers/version-handler.js';
import { accessFor, deniedText, holds } from './auth/access-rules.js';
import { ConnectionLogin } from './auth/connection-login.js';
import { commandNameProblem } from './command-names.js';
import { ConnectionTimers } from './connection-timers.js';

/** Gets in flight before we stop reading: each may hold up to maxTransferSize bytes. */
const MAX_GETS_IN_FLIGHT = 16;
/** Unsent reply bytes before we stop reading (the client is not reading its replies). */
const MAX_UNSENT_BYTES = 16 * 1024 * 1024;
/** Largest body before a login: nothing big is buffered for a client nobody knows. */
const MAX_BODY_BEFORE_LOGIN = 4096;

/** Which listener a connection came through. */
export interface ListenerKind {
  /** `[auth] legacyPort`: no login; commands are checked against this user's rights. */
  legacyUser?: string;
}

/**
 * One client connection: decodes frames, runs handlers, writes their replies (possibly out of
 * order, matched by opaque). A malformed frame closes this connection only (§1.1). Reading
 * pauses while too many requests are in flight or the client stops reading its replies, so a
 * fast producer or a stalled consumer cannot grow the broker's memory without bound.
 */
export class BrokerConnection {
  private readonly decoder: CommandDecoder;
  private inFlight = 0;
  private getsInFlight = 0;
  /** Cancels of waiting gets (`wget`) still waiting, dropped when the connection closes. */
  private readonly waits = new Set<() => void>();
  private corked = false;
  /** Text replies gathered since the last write (`writeText`), already as bytes. */
  private readonly replyBytes = new ReplyBytes();
  private pausedForLoad = false;
  /** Reading is held for a quota until this performance.now() time; 0: not held. */
  private heldUntil = 0;
  private holdTimer: NodeJS.Timeout | undefined;
  private readonly timers: ConnectionTimers;
  /** Set while reading waits for room in the body budget (`maxBodyBytesInFlight`): cancels the wait. */
  private budgetWait: (() => void) | undefined;
  private readonly sink: ReplySink;
  private readonly getSink: ReplySink;
  /** `address:port` of the client, recorded with its groups' fetch positions. */
  private readonly remote: string;
  /** The client's IP address (connections per client, for the operator). */
  readonly remoteAddress: string;
  /** The login and the user, on a broker with `[auth] enabled=true`. */
  readonly login: ConnectionLogin | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly ctx: BrokerContext,
    private readonly onClose: (connection: BrokerConnection) => void,
    listener: ListenerKind = {},
  ) {
    const system = ctx.config.system;
    this.login = ctx.users === undefined ? undefined : new ConnectionLogin(ctx.users, listener.legacyUser);
    const loggedIn = this.login === undefined || this.login.user !== undefined;
    this.decoder = new CommandDecoder({ maxHeaderBytes: system.maxHeaderLength, maxBodyBytes: loggedIn ? system.maxRequestBodySize : MAX_BODY_BEFORE_LOGIN }, {
      // A batched put's body that spans socket reads is joined into a pooled buffer, which the log hands back once written.
      bodyBuffer: (length, kind) => (kind === 'mput' ? ctx.setBodies.take(length) : undefined),
      bodyBudget: ctx.bodyBudget.forAddress(socket.remoteAddress ?? '?'),
    });
    this.remoteAddress = socket.remoteAddress ?? '?';
    this.remote = `${this.remoteAddress}:${socket.remotePort ?? '?'}`;
    this.sink = {
      send: (frame, body, sent) => this.reply(frame, body, sent),
      stored: (opaque, id, partition, offset, count) => this.replyStored(opaque, id, partition, offset, count),
    };
    this.getSink = {
      send: (frame, body, sent) => {
        this.getsInFlight -= 1;
        this.reply(frame, body, sent);
      },
      stored: (opaque, id, partition, offset, count) => this.replyStored(opaque, id, partition, offset, count),
    };
    // Only the broker's own holds stop the body and idle clocks, not the client's unread replies (it would keep a half-sent body's budget for ever).
    const activity = { busy: () => this.inFlight > 0 || this.waits.size > 0, readingHeld: () => (this.pausedForLoad && socket.writableLength < MAX_UNSENT_BYTES) || this.heldUntil > 0 || this.budgetWait !== undefined };
    this.timers = new ConnectionTimers(socket, ctx, this.remote, this.decoder, activity);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    socket.on('drain', () => this.adjustReading());
    socket.on('error', (error) => ctx.logger.debug({ component: 'connection', err: error, remote: socket.remoteAddress }, 'connection error'));
    socket.on('close', () => {
      clearTimeout(this.holdTimer);
      this.timers.stop();
      this.budgetWait?.(); // stop waiting for the body budget
      this.decoder.dispose();
      for (const cancel of this.waits) cancel();
      this.waits.clear();
      ctx.transactions.ownerClosed(this);
      ctx.replication.syncSlave?.connectionClosed(this);
      onClose(this);
    });
  }

  get pendingRequests(): number {
    return this.inFlight;
  }

  /** Bytes read from the socket: decoded, and each whole command dispatched. */
  private received(chunk: Buffer): void {
    let commands: Command[];
    try {
      commands = this.decoder.push(chunk);
    } catch (error) {
      const reason = error instanceof ProtocolError ? error.message : String(error);
      this.ctx.logger.info({ component: 'connection', remote: this.socket.remoteAddress, reason }, 'malformed frame: closing the connection');
      this.inFlight += 1; // the reason goes to the client too (opaque 0: the line's is not known); reply() counts it down
      this.sink.send(encodeResult(Status.badRequest, 0, `malformed request, closing the connection: ${reason}`));
      // Commands decoded before the bad frame still get their replies (they are in flight).
      void this.drainAndClose();
      return;
    }
    this.timers.afterRead(commands.length > 0);
    for (const command of commands) this.dispatch(command);
    if (this.decoder.waitingForBudget > 0) this.waitForBodyBudget(this.decoder.waitingForBudget);
  }

  /** The next body does not fit `maxBodyBytesInFlight`: read nothing more until it may, then decode again. */
  private waitForBodyBudget(bytes: number): void {
    if (this.budgetWait !== undefined || this.socket.destroyed) return;
    this.socket.pause();
    this.budgetWait = this.ctx.bodyBudget.waitFor(this.remoteAddress, bytes, () => {
      this.budgetWait = undefined;
      if (this.socket.destroyed) return;
      if (!this.pausedForLoad && this.heldUntil === 0) this.socket.resume();
      this.received(Buffer.alloc(0));
    });
  }

  private dispatch(command: Command): void {
    if (command.kind === 'quit') {
      this.socket.end();
      return;
    }
    if (command.kind === 'result' || command.kind === 'value') return; // a reply sent to us: nothing waits for it
    if (command.kind === 'transaction' && command.type === 'END') return; // answered by nothing (§1.3.8)
    if (this.inFlight >= this.ctx.config.system.maxInFlightRequests) return this.refuseBusy(command);
    this.inFlight += 1;
    this.adjustReading();
    const nameProblem = commandNameProblem(command);
    if (nameProblem !== undefined) return this.refuseName(command, nameProblem);
    if (this.login !== undefined && !this.admitted(command)) return;
    try {
      switch (command.kind) {
        case 'auth':
          return this.logIn(command);
        case 'put':
          return handlePut(command, this.ctx, this.throttled('produce', command.topic, command.body.length, this.sink), this, this.remote);
        case 'mput':
          return handlePutSet(command, this.ctx, this.throttled('produce', command.topic, command.body.length, this.sink), this.remote);
        case 'dput':
          return handleDelayedPut(command, this.ctx, this.throttled('produce', command.topic, command.body.length, this.sink));
        case 'get':
          return this.startGet(command);
        case 'wget': {
          // A waiting get holds no read slot while it waits: it must not stop this connection's puts.
          const wait: { cancel?: () => void } = {};
          wait.cancel = handleWaitingGet(command, this.ctx, (get) => {
            if (wait.cancel !== undefined) this.waits.delete(wait.cancel);
            this.startGet(get);
          });
          if (wait.cancel !== undefined) this.waits.add(wait.cancel);
          return;
        }
        case 'offset':
          return handleOffset(command, this.ctx, this.sink);
        case 'otime':
          return handleOffsetForTime(command, this.ctx, this.sink);
        case 'okey':
          return handleKeyOffsets(command, this.ctx, this.sink);
        case 'stats':
          return handleStats(command, this.ctx, this.sink);
        case 'version':
          return handleVersion(command, this.ctx, this.sink);
        case 'transaction':
          return handleTransaction(command, this, this.ctx, this.sink);
        case 'sync':
        case 'syncend': {
          const slave = this.ctx.replication.syncSlave;
          // MetaQ answers 503 for commands without a registered processor (§1.1).
          if (slave === undefined) return this.sink.send(encodeResult(Status.serviceUnavailable, command.opaque, `no processor registered for the ${command.kind} command on this broker: it is not a sync slave ([replication] role=sync-slave)`));
          return command.kind === 'sync' ? slave.handleSync(command, this, this.ctx, this.sink) : slave.handleSyncEnd(command, this, this.ctx, this.sink);
        }
        case 'admin':
          return handleAdmin(command, this.ctx, this.sink);
      }
    } catch (error) {
      this.ctx.logger.error({ component: 'connection', err: error, command: command.kind }, 'handler failed');
      const opaque = 'opaque' in command ? command.opaque : 0;
      this.sink.send(encodeResult(Status.internalServerError, opaque, `internal error handling ${command.kind}: ${String(error)}`));
    }
  }

  /**
   * On a broker with `[auth] enabled=true`: is this connection's user allowed the command? If not
   * it is answered 401 saying why (401 rather than 403, which MetaQ clients take for a closed
   * partition and retry). Rights are looked up each time, so a change applies at once.
   */
  private admitted(command: Command): boolean {
    const access = accessFor(command);
    if (access.right === 'none') return true;
    const name = this.login!.user;
    const user = name === undefined ? undefined : this.ctx.users!.get(name);
    let refusal: string | undefined;
    if (name === undefined) refusal = 'authentication required: this broker has [auth] enabled; log in first (client option connection.auth: { username, password })';
    else if (user === undefined) refusal = `user ${name} no longer exists on this broker; log in as another user`;
    else if (!holds(user, access)) {
      this.ctx.counters.accessDenials[access.right as 'publish' | 'subscribe' | 'admin'] += 1; // 'authenticated' is always held
      refusal = `access denied: user ${name} ${deniedText(access)}; an admin can grant it (metaq user add, or PUT /api/users/${name})`;
    }
    if (refusal === undefined) return true;
    if (command.kind === 'sync' || command.kind === 'syncend') this.ctx.logger.error({ component: 'replication', remote: this.remote, refusal }, 'refused a master\'s replication: its [auth] brokerUser must be an admin user of this slave');
    this.sink.send(encodeResult(Status.unauthorized, 'opaque' in command ? command.opaque : DEFAULT_OPAQUE, refusal));
    return false;
  }

  private logIn(command: AuthCommand): void {
    if (this.login === undefined) {
      this.sink.send(encodeResult(Status.badRequest, command.opaque, 'this broker asks for no login ([auth] enabled=false); connect without credentials, or enable [auth] on the broker'));
      return;
    }
    const step = this.login.step(command, this.ctx.loginBackoff, this.remoteAddress);
    if (step.code === Status.unauthorized && step.blocked !== true) this.ctx.counters.loginFailures += 1;
    if (this.login.user !== undefined) this.decoder.maxBodyBytes = this.ctx.config.system.maxRequestBodySize;
    this.sink.send(encodeResult(step.code, command.opaque, step.text));
    if (step.close) {
      const hint = this.ctx.replication.syncSlave === undefined ? '' : ' (if this is the master, its [auth] brokerUser and brokerPassword must be an admin user of this slave)';
      this.ctx.logger[hint === '' ? 'info' : 'warn']({ component: 'connection', remote: this.remote, user: this.login.claimedUser, reason: step.text }, `login failed: closing the connection${hint}`);
      void this.drainAndClose();
    }
  }

  /** A topic or group outside the name rules: answered 400 saying what is allowed; the connection stays open. */
  private refuseName(command: Command, problem: string): void {
    this.ctx.counters.invalidNames += 1;
    this.sink.send(encodeResult(Status.badRequest, 'opaque' in command ? command.opaque : DEFAULT_OPAQUE, problem));
  }

  /**
   * Reading stops at maxInFlightRequests, but requests already read in the same chunk get here:
   * each is answered 503 at once (nothing stored), so the client can retry it once replies came.
   */
  private refuseBusy(command: Command): void {
    const limit = this.ctx.config.system.maxInFlightRequests;
    this.ctx.counters.busyRefusals += 1;
    const opaque = 'opaque' in command ? command.opaque : DEFAULT_OPAQUE;
    const text = `broker busy: this connection already has ${limit} requests waiting for replies (maxInFlightRequests); nothing was done, send it again once replies arrive`;
    this.inFlight += 1; // reply() counts it down
    this.sink.send(encodeResult(Status.serviceUnavailable, opaque, text));
  }

  private startGet(command: GetCommand): void {
    this.getsInFlight += 1;
    this.adjustReading();
    // A fetch's size is known only with its reply: it is charged then.
    const limits = this.limits('fetch', command.topic);
    const sink: ReplySink =
      limits === undefined
        ? this.getSink
        : {
            send: (frame, body, sent) => this.charged('fetch', command.topic, body?.length ?? 0, limits, this.getSink).send(frame, body, sent),
            stored: (opaque, id, partition, offset, count) => this.getSink.stored(opaque, id, partition, offset, count),
          };
    handleGet(command, this.ctx, sink, this.remote);
  }

  /** The rates a request of this kind and topic is held to (quotas, metaq addition); undefined: none. */
  private limits(kind: QuotaKind, topic: string): QuotaLimits | undefined {
    const system = this.ctx.config.system;
    const settings = this.ctx.stores.settings(topic);
    const clientBytesPerSecond = kind === 'produce' ? system.clientProduceBytesPerSecond : system.clientFetchBytesPerSecond;
    const topicBytesPerSecond = (kind === 'produce' ? settings?.produceBytesPerSecond : settings?.fetchBytesPerSecond) ?? 0;
    return clientBytesPerSecond === 0 && topicBytesPerSecond === 0 ? undefined : { clientBytesPerSecond, topicBytesPerSecond };
  }

  /** The sink for a put of `bytes`: the connection's own when no quota applies. */
  private throttled(kind: QuotaKind, topic: string, bytes: number, sink: ReplySink): ReplySink {
    const limits = this.limits(kind, topic);
    return limits === undefined ? sink : this.charged(kind, topic, bytes, limits, sink);
  }

  /**
   * Charge a request of `bytes` to its quotas: the same sink when within them, else one that
   * holds the reply until the debt is paid, while this connection stops reading.
   */
  private charged(kind: QuotaKind, topic: string, bytes: number, limits: QuotaLimits, sink: ReplySink): ReplySink {
    const delay = this.ctx.quotas.charge(kind, this.remoteAddress, topic, bytes, limits);
    if (delay === 0) return sink;
    const releaseAt = performance.now() + delay;
    this.holdReading(releaseAt);
    const afterDebt = (reply: () => void): void => {
      const wait = releaseAt - performance.now();
      if (wait <= 0) reply();
      else setTimeout(reply, wait).unref();
    };
    return {
      send: (frame, body, sent) => afterDebt(() => sink.send(frame, body, sent)),
      stored: (opaque, id, partition, offset, count) => afterDebt(() => sink.stored(opaque, id, partition, offset, count)),
    };
  }

  /** Read nothing more from this client until `until` (performance.now() time). */
  private holdReading(until: number): void {
    if (until <= this.heldUntil) return;
    this.heldUntil = until;
    this.socket.pause();
    // One timer, moved by each longer hold: the one that fires always resumes.
    clearTimeout(this.holdTimer);
    this.holdTimer = setTimeout(() => {
      this.holdTimer = undefined;
      this.heldUntil = 0;
      if (!this.pausedForLoad && this.budgetWait === undefined) this.socket.resume();
    }, Math.max(0, until - performance.now()));
    this.holdTimer.unref();
  }

  private reply(frame: Buffer | string, body?: Buffer, sent?: () => void): void {
    if (!this.replying()) return sent?.();
    if (typeof frame === 'string' && body === undefined) {
      this.replyBytes.frame(frame);
    } else {
      this.writeText(); // keep the order of replies
      this.socket.write(frame);
      if (body !== undefined) this.socket.write(body, sent);
    }
    this.adjustReading();
  }

  private replyStored(opaque: number, id: bigint, partition: number, offset: number, count?: number): void {
    if (!this.replying()) return;
    this.replyBytes.stored(opaque, id, partition, offset, count);
    this.adjustReading();
  }

  /** A reply is going out: counted, and the socket corked for this tick's replies. False when the socket is gone. */
  private replying(): boolean {
    this.inFlight -= 1;
    if (this.socket.destroyed) return false;
    if (!this.corked) {
      // Replies produced in one tick (a batch of acks) leave in one writev.
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.writeText();
        this.socket.uncork();
      });
    }
    return true;
  }

  /** Text replies of this tick so far, written as one buffer: a put's ack is no write of its own. */
  private writeText(): void {
    const bytes = this.replyBytes.take();
    if (bytes !== undefined) this.socket.write(bytes);
  }

  private adjustReading(): void {
    this.timers.afterWrite();
    const maxInFlight = this.ctx.config.system.maxInFlightRequests;
    const overloaded = this.inFlight >= maxInFlight || this.getsInFlight >= MAX_GETS_IN_FLIGHT || this.socket.writableLength >= MAX_UNSENT_BYTES;
    if (overloaded && !this.pausedForLoad) {
      this.pausedForLoad = true;
      this.socket.pause();
    } else if (!overloaded && this.pausedForLoad && this.inFlight < Math.ceil(maxInFlight / 2) && this.getsInFlight < MAX_GETS_IN_FLIGHT / 2) {
      this.pausedForLoad = false;
      if (this.heldUntil === 0 && this.budgetWait === undefined) this.socket.resume(); // else the quota's timer or the budget resumes it
    }
  }

  /** Stop reading; close once every reply in flight has been written. */
  async drainAndClose(): Promise<void> {
    this.socket.pause();
    while (this.inFlight > 0 && !this.socket.destroyed) await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      // Closed once our replies are flushed: the peer's FIN is not waited for, because a paused
      // socket never reads it (a peer that closed first left the broker waiting for ever).
      this.socket.end(() => this.socket.destroy());
    });
  }
}
