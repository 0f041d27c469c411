// Idle client connections as the wire sees them: a MetaqClient with nothing to do sends only its
// heartbeat, `version`, after 10 s without traffic (heartbeatIdleMs). These sockets do the same,
// from their own loopback addresses, as clients on many hosts would (maxConnectionsPerIp).
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { CommandDecoder } from '../src/protocol/decoder.js';
import { encodeToBuffer } from '../src/protocol/encoder.js';

/** MetaqClient's heartbeatIdleMs (src/client/transport/connection-options.ts). */
const HEARTBEAT_MS = 10_000;
const TICK_MS = 100;
/** Connections being opened at once by one process. */
const CONNECTING = 32;

export interface IdleConnections {
  /** Heartbeats answered so far. */
  readonly answered: number;
  /** Connections the broker closed or refused. */
  readonly lost: number;
  close(): void;
}

/**
 * Open `count` connections, the n-th from `addressOf(n)`; resolves when every one answered its
 * first heartbeat. The heartbeats are spread evenly over the 10 s period, as clients that
 * connected at different times would send them.
 */
export async function openIdleConnections(port: number, count: number, addressOf: (n: number) => string): Promise<IdleConnections> {
  const sockets: Socket[] = [];
  let answered = 0;
  let lost = 0;
  let opaque = 1;
  let closing = false;
  /** Open connection n; resolves when it answered its first heartbeat. */
  const open = (n: number): Promise<void> =>
    new Promise<void>((answeredOnce, failed) => {
      const socket = connect({ host: '127.0.0.1', port, localAddress: addressOf(n) });
      const decoder = new CommandDecoder();
      socket.on('data', (chunk: Buffer) => {
        for (const reply of decoder.push(chunk)) {
          if (reply.kind !== 'result' || reply.code !== 200) throw new Error(`heartbeat answered ${reply.kind} ${reply.kind === 'result' ? reply.code : ''}`);
          answered += 1;
          answeredOnce();
        }
      });
      socket.on('error', (error) => failed(error));
      socket.on('close', () => {
        if (closing) return;
        lost += 1;
        failed(new Error(`idle connection ${n} from ${addressOf(n)} closed by the broker`));
      });
      socket.write(encodeToBuffer({ kind: 'version', opaque: opaque++ }));
      sockets[n] = socket;
    });
  // A few connects at a time, as a fleet's clients arrive: thousands at once overflow the
  // broker's accept queue (Node's listen backlog, 511), and some of them are reset.
  await Promise.all(
    Array.from({ length: Math.min(CONNECTING, count) }, async (_, lane) => {
      for (let n = lane; n < count; n += CONNECTING) await open(n);
    }),
  );
  // Each tick beats the next slice of sockets, so every socket beats once per HEARTBEAT_MS.
  const perTick = count / (HEARTBEAT_MS / TICK_MS);
  let beaten = 0;
  let tick = 0;
  const timer = setInterval(() => {
    tick += 1;
    for (; beaten < Math.round(tick * perTick); beaten += 1) sockets[beaten % count]!.write(encodeToBuffer({ kind: 'version', opaque: opaque++ }));
  }, TICK_MS);
  return {
    get answered() {
      return answered;
    },
    get lost() {
      return lost;
    },
    close() {
      closing = true;
      clearInterval(timer);
      for (const socket of sockets) socket.destroy();
    },
  };
}
