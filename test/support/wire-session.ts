import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { MetaqError } from '../../src/common/errors.js';
import type { Command, ResultCommand, ValueCommand } from '../../src/protocol/commands.js';
import { CommandDecoder } from '../../src/protocol/decoder.js';
import { encodeCommand } from '../../src/protocol/encoder.js';

type Reply = ResultCommand | ValueCommand;

/**
 * A minimal pipelined request/reply session for tests that speak the protocol directly (raw
 * frames, malformed input), matching replies by opaque. Applications use the client library.
 */
export class WireSession {
  private readonly decoder = new CommandDecoder({ maxBodyBytes: 256 * 1024 * 1024 });
  private readonly waiting = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();
  private nextOpaque = 1;
  private closedError: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const command of this.decoder.push(chunk)) this.settle(command);
      } catch (error) {
        socket.destroy(error as Error);
      }
    });
    const fail = (error?: Error): void => {
      this.closedError = error ?? new MetaqError('CONNECTION_LOST', 'the broker closed the connection');
      for (const pending of this.waiting.values()) pending.reject(this.closedError);
      this.waiting.clear();
    };
    socket.on('error', fail);
    socket.on('close', () => fail());
  }

  static open(host: string, port: number): Promise<WireSession> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port }, () => {
        socket.off('error', reject);
        resolve(new WireSession(socket));
      });
      socket.once('error', (error) =>
        reject(new MetaqError('CONNECTION_LOST', `cannot connect to meta://${host}:${port}: ${error.message}; is the broker running?`, { cause: error })),
      );
    });
  }

  private settle(command: Command): void {
    if (command.kind !== 'result' && command.kind !== 'value') return;
    const pending = this.waiting.get(command.opaque);
    if (pending === undefined) return;
    this.waiting.delete(command.opaque);
    pending.resolve(command);
  }

  /** Send a request built around a fresh opaque and wait for its reply. */
  request(build: (opaque: number) => Command): Promise<Reply> {
    if (this.closedError) return Promise.reject(this.closedError);
    const opaque = this.nextOpaque++;
    const promise = new Promise<Reply>((resolve, reject) => this.waiting.set(opaque, { resolve, reject }));
    for (const part of encodeCommand(build(opaque))) this.socket.write(part);
    return promise;
  }

  /** Several requests in one write (so the broker reads them together); their replies in order. */
  requestTogether(builds: Array<(opaque: number) => Command>): Array<Promise<Reply>> {
    const parts: Buffer[] = [];
    const replies = builds.map((build) => {
      const opaque = this.nextOpaque++;
      parts.push(...encodeCommand(build(opaque)));
      return new Promise<Reply>((resolve, reject) => this.waiting.set(opaque, { resolve, reject }));
    });
    this.socket.write(Buffer.concat(parts));
    return replies;
  }

  /** Send raw bytes (tests of malformed input). */
  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  get pending(): number {
    return this.waiting.size;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.end();
    });
  }
}
