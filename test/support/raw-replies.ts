import { once } from 'node:events';
import { connect } from 'node:net';
import type { Socket } from 'node:net';

/** A raw connection for bytes no encoder would write; replies gathered as latin1 text. */
export interface RawConnection {
  socket: Socket;
  /** Write `request` and wait for the `result` with this opaque: "<code> <body>". */
  result(request: Buffer, opaque: number): Promise<string>;
}

export async function rawConnection(port: number): Promise<RawConnection> {
  const socket = connect({ host: '127.0.0.1', port });
  let received = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  socket.on('close', () => (closed = true));
  await once(socket, 'connect');
  const more = async (): Promise<void> => {
    if (closed) throw new Error(`the broker closed the connection; it had answered ${JSON.stringify(received.slice(-200))}`);
    await Promise.race([once(socket, 'data'), once(socket, 'close')]);
  };
  return {
    socket,
    async result(request, opaque) {
      const from = received.length;
      socket.write(request);
      const reply = new RegExp(`result (\\d+) (\\d+) ${opaque}\\r\\n`);
      while (!reply.test(received.slice(from))) await more();
      const match = reply.exec(received.slice(from))!;
      const start = from + match.index + match[0].length;
      while (received.length < start + Number(match[2])) await more();
      return `${match[1]} ${received.slice(start, start + Number(match[2]))}`;
    },
  };
}
