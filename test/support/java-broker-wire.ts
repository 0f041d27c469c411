import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A stand-in for a Java MetaQ 1.4.6 broker on the wire (docs/protocol.md): answers `version` with
 * a bare version string (no metaq extensions, so clients send one `put` per message) and every
 * `put` with `result 200` naming the partition it was addressed to, counting puts per partition.
 * Anything else gets a 500. Enough for producers; no storage behind it.
 */
export interface JavaBrokerWire {
  readonly port: number;
  /** Puts received per partition index. */
  readonly puts: Map<number, number>;
  close(): Promise<void>;
}

export async function startJavaBrokerWire(): Promise<JavaBrokerWire> {
  const puts = new Map<number, number>();
  const sockets = new Set<Socket>();
  let nextId = 1;
  const reply = (status: number, opaque: string, body: string): string => `result ${status} ${Buffer.byteLength(body)} ${opaque}\r\n${body}`;
  const server = createServer((socket) => {
    sockets.add(socket);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const eol = pending.indexOf('\r\n');
        if (eol < 0) return;
        const tokens = pending.subarray(0, eol).toString('latin1').split(' ');
        if (tokens[0] === 'put') {
          const length = Number(tokens[3]);
          if (pending.length < eol + 2 + length) return;
          pending = pending.subarray(eol + 2 + length);
          const partition = Number(tokens[2]);
          puts.set(partition, (puts.get(partition) ?? 0) + 1);
          socket.write(reply(200, tokens.at(-1)!, `${nextId++} ${partition} 0`));
        } else {
          pending = pending.subarray(eol + 2);
          if (tokens[0] === 'version') socket.write(reply(200, tokens[1] ?? '0', '1.4.6.2'));
          else socket.write(reply(500, tokens.at(-1)!, 'unsupported'));
        }
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    puts,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
