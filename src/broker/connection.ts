import type { Socket } from 'node:net';
import { ProtocolError } from '../common/errors.js';
import type { AuthCommand, Command } from '../protocol/commands.js';
import { DEFAULT_OPAQUE } from '../protocol/commands.js';
import { CommandDecoder } from '../protocol/decoder.js';
import { Status } from '../protocol/status.js';
import type { BrokerContext } from './broker-context.js';
import type { ConnectionLogin } from './auth/connection-login.js';
import { nameRefusal } from './command-names.js';
import { ConnectionAuth } from './connection-auth.js';
import { ConnectionQuotas } from './connection-quotas.js';
import { ConnectionReplies } from './connection-replies.js';
import { ConnectionTimers } from './connection-timers.js';
import { runHandler } from './handlers/handler-table.js';
import { refused } from './handlers/outcome.js';
import type { Outcome } from './handlers/outcome.js';
import type { HandledCommand, RequestContext } from './handlers/request-context.js';
import { countOutcome } from './stats/request-stats.js';

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
 * One client connection on the broker port: decodes frames, passes each command through the
 * checks in front of the handler table (in-flight limit, names, login and rights, produce
 * quotas), runs its handler, and writes its outcome (possibly out of order, matched by opaque).
 * A malformed frame closes this connection only (docs/protocol.md). Reading pauses while too
 * many requests are in flight or the client stops reading its replies, so a fast producer or a
 * stalled consumer cannot grow the broker's memory without bound.
 */
export class ClientConnection {
  private readonly decoder: CommandDecoder;
  private inFlight = 0;
  private getsInFlight = 0;
  /** Cancels of waiting gets (`wget`) still waiting, dropped when the connection closes. */
  private readonly waits = new Map<() => void, () => void>();
  private pausedForLoad = false;
  private readonly timers: ConnectionTimers;
  /** Set while reading waits for room in the body budget (`maxBodyBytesInFlight`): cancels the wait. */
  private budgetWait: (() => void) | undefined;
  private readonly replies: ConnectionReplies;
  private readonly quotas: ConnectionQuotas;
  /** The login and rights check, on a broker with `[auth] enabled=true`. */
  private readonly auth: ConnectionAuth | undefined;
  /** What this connection's handlers are given: one object for all its requests. */
  private readonly request: RequestContext;
  /** `address:port` of the client, recorded with its groups' fetch positions. */
  private readonly remote: string;
  /** The client's IP address (connections per client, for the operator). */
  readonly remoteAddress: string;

  constructor(
    private readonly socket: Socket,
    private readonly ctx: BrokerContext,
    private readonly onClose: (connection: ClientConnection) => void,
    listener: ListenerKind = {},
  ) {
    const system = ctx.config.system;
    this.remoteAddress = socket.remoteAddress ?? '?';
    this.remote = `${this.remoteAddress}:${socket.remotePort ?? '?'}`;
    this.auth = ctx.users === undefined ? undefined : new ConnectionAuth(ctx, ctx.users, this.remote, this.remoteAddress, listener.legacyUser);
    const loggedIn = this.auth === undefined || this.auth.login.user !== undefined;
    this.decoder = new CommandDecoder(
      { maxHeaderBytes: system.maxHeaderLength, maxBodyBytes: loggedIn ? system.maxRequestBodySize : MAX_BODY_BEFORE_LOGIN },
      {
        // A batched put's body that spans socket reads is joined into a pooled buffer, which the log hands back once written.
        bodyBuffer: (length, kind) => (kind === 'mput' ? ctx.setBodies.take(length) : undefined),
        bodyBudget: ctx.bodyBudget.forAddress(this.remoteAddress),
      },
    );
    // While corked, the turn's replies all count as unsent: whether to read on is decided again once they went out.
    this.replies = new ConnectionReplies(socket, () => {
      if (!socket.destroyed) this.adjustReading();
    });
    this.quotas = new ConnectionQuotas(socket, ctx, this.remoteAddress, () => !this.pausedForLoad && this.budgetWait === undefined);
    this.request = {
      broker: ctx,
      client: this.remote,
      owner: this,
      answer: (command, outcome) => this.answered(command, outcome, 0),
      run: (command) => this.run(command),
      waiting: (cancel, answerNow) => void this.waits.set(cancel, answerNow),
      waited: (cancel) => void this.waits.delete(cancel),
    };
    // Only the broker's own holds stop the body and idle clocks, not the client's unread replies (it would keep a half-sent body's budget for ever).
    const activity = {
      busy: () => this.inFlight > 0 || this.waits.size > 0,
      readingHeld: () => (this.pausedForLoad && socket.writableLength < MAX_UNSENT_BYTES) || this.quotas.heldUntil > 0 || this.budgetWait !== undefined,
      flushReplies: () => this.replies.flush(),
    };
    this.timers = new ConnectionTimers(socket, ctx, this.remote, this.decoder, activity);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    socket.on('drain', () => this.adjustReading());
    socket.on('error', (error) => ctx.logger.debug({ component: 'connection', err: error, remote: socket.remoteAddress }, 'connection error'));
    socket.on('close', () => {
      this.quotas.stop();
      this.timers.stop();
      this.budgetWait?.(); // stop waiting for the body budget
      this.decoder.dispose();
      for (const cancel of this.waits.keys()) cancel();
      this.waits.clear();
      ctx.transactions.ownerClosed(this);
      ctx.replication.syncSlave?.connectionClosed(this);
      onClose(this);
    });
  }

  /** The login and the user, on a broker with `[auth] enabled=true` (a transaction's owner is checked against it). */
  get login(): ConnectionLogin | undefined {
    return this.auth?.login;
  }

  /** Bytes read from the socket: decoded, and each whole command dispatched. */
  private received(chunk: Buffer): void {
    let commands: Command[];
    try {
      commands = this.decoder.push(chunk);
    } catch (error) {
      const reason = error instanceof ProtocolError ? error.message : String(error);
      this.ctx.logger.info({ component: 'connection', remote: this.socket.remoteAddress, reason }, 'malformed frame: closing the connection');
      // The reason goes to the client too (opaque 0: the line's is not known).
      if (this.replies.writeResult(Status.badRequest, 0, `malformed request, closing the connection: ${reason}`)) this.adjustReading();
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
      if (!this.pausedForLoad && this.quotas.heldUntil === 0) this.socket.resume();
      this.received(Buffer.alloc(0));
    });
  }

  /** The checks in front of the handler table, in order: in-flight limit, names, login and rights, produce quotas. */
  private dispatch(command: Command): void {
    if (command.kind === 'quit') {
      this.replies.flush(); // the replies of this tick so far go out before the end
      this.socket.end();
      return;
    }
    if (command.kind === 'result' || command.kind === 'value') return; // a reply sent to us: nothing waits for it
    if (command.kind === 'transaction' && command.type === 'END') return; // answered by nothing (docs/transactions.md)
    if (this.inFlight >= this.ctx.config.system.maxInFlightRequests) return this.refuseBusy(command);
    this.inFlight += 1;
    this.adjustReading();
    const refusal = nameRefusal(command) ?? this.auth?.refusal(command);
    if (refusal !== undefined) return this.answerBeforeTable(command, refusal);
    if (command.kind === 'auth') return this.logIn(command);
    if (command.kind === 'put' || command.kind === 'mput' || command.kind === 'dput') {
      const releaseAt = this.quotas.charge('produce', command.topic, command.body.length);
      // Over a rate: this request's reply waits (an object of its own only then).
      if (releaseAt > 0) return runHandler(command, { ...this.request, answer: (answered, outcome) => this.answered(answered, outcome, releaseAt) });
    }
    this.run(command);
  }

  /** Run a command's handler; a get holds one of the connection's get slots until answered. */
  private run(command: HandledCommand): void {
    if (command.kind === 'get') {
      this.getsInFlight += 1;
      this.adjustReading();
    }
    runHandler(command, this.request);
  }

  private logIn(command: AuthCommand): void {
    if (this.auth === undefined) {
      return this.answerBeforeTable(
        command,
        refused(Status.badRequest, 'this broker asks for no login ([auth] enabled=false); connect without credentials, or enable [auth] on the broker'),
      );
    }
    const outcome = this.auth.logIn(command);
    if (this.auth.login.user !== undefined) this.decoder.maxBodyBytes = this.ctx.config.system.maxRequestBodySize;
    this.answerBeforeTable(command, outcome);
  }

  /**
   * Reading stops at maxInFlightRequests, but requests already read in the same chunk get here:
   * each is answered 503 at once (nothing stored), so the client can retry it once replies came.
   */
  private refuseBusy(command: Command): void {
    const limit = this.ctx.config.system.maxInFlightRequests;
    const text = `broker busy: this connection already has ${limit} requests waiting for replies (maxInFlightRequests); nothing was done, send it again once replies arrive`;
    this.inFlight += 1; // reply() counts it down
    this.answerBeforeTable(command, refused(Status.serviceUnavailable, text, 'busy'));
  }

  /** An outcome of the checks in front of the table: counted and sent at once (no get slot, no quota). */
  private answerBeforeTable(command: Command, outcome: Outcome): void {
    countOutcome(this.ctx, command, outcome);
    this.reply(command, outcome, false);
  }

  /** A handler's outcome: counted, then sent once the request's quota debt is paid (`releaseAt`, performance.now() time; 0: none). */
  private answered(command: Command, outcome: Outcome, releaseAt: number): void {
    countOutcome(this.ctx, command, outcome);
    const fetched = command.kind === 'get';
    // A fetch's size is known only with its reply: it is charged then.
    if (fetched) releaseAt = Math.max(releaseAt, this.quotas.charge('fetch', command.topic, outcome.kind === 'messages' ? outcome.bytes.length : 0));
    const wait = releaseAt === 0 ? 0 : releaseAt - performance.now();
    if (wait <= 0) this.reply(command, outcome, fetched);
    else setTimeout(() => this.reply(command, outcome, fetched), wait).unref();
  }

  private reply(command: Command, outcome: Outcome, fetched: boolean): void {
    if (fetched) this.getsInFlight -= 1;
    this.inFlight -= 1;
    if (!this.replies.write('opaque' in command ? command.opaque : DEFAULT_OPAQUE, outcome)) return;
    this.adjustReading();
    if (outcome.kind === 'refused' && outcome.close) void this.drainAndClose();
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
      if (this.quotas.heldUntil === 0 && this.budgetWait === undefined) this.socket.resume(); // else the quota's timer or the budget resumes it
    }
  }

  /** Stop reading; close once every reply in flight has been written. */
  async drainAndClose(): Promise<void> {
    this.socket.pause();
    // Held waiting gets answer now (as a get would), rather than hold the close for up to 30 s.
    for (const answerNow of [...this.waits.values()]) answerNow();
    while (this.inFlight > 0 && !this.socket.destroyed) await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.replies.flush();
      // Closed once our replies are flushed: the peer's FIN is not waited for, because a paused
      // socket never reads it (a peer that closed first left the broker waiting for ever).
      this.socket.end(() => this.socket.destroy());
    });
  }
}
