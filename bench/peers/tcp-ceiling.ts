// The machine's ceiling for a framed request/ack exchange over loopback in Node: `server` acks
// every length-prefixed frame with 4 bytes; `client PORT SIZE COUNT WINDOW` keeps WINDOW frames
// outstanding and prints the rate. No parsing beyond the length prefix, no storage.
import { connect, createServer } from 'node:net';

const [role, ...args] = process.argv.slice(2) as [string, ...string[]];

if (role === 'server') {
  const server = createServer((socket) => {
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let at = 0;
      let frames = 0;
      while (pending.length - at >= 4 && pending.length - at - 4 >= pending.readUInt32BE(at)) {
        at += 4 + pending.readUInt32BE(at);
        frames += 1;
      }
      pending = pending.subarray(at);
      if (frames > 0) socket.write(Buffer.alloc(4 * frames));
    });
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`));
} else {
  const [port, size, count, window] = args.map(Number) as [number, number, number, number];
  const frame = Buffer.alloc(4 + size, 'f');
  frame.writeUInt32BE(size, 0);
  const socket = connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  let sent = 0;
  let acked = 0;
  let ackBytes = 0;
  const started = performance.now();
  const pump = (): void => {
    socket.cork();
    while (sent < count && sent - acked < window) {
      socket.write(frame);
      sent += 1;
    }
    socket.uncork();
  };
  socket.on('connect', pump);
  socket.on('data', (chunk: Buffer) => {
    ackBytes += chunk.length;
    acked = Math.floor(ackBytes / 4);
    if (acked >= count) {
      const seconds = (performance.now() - started) / 1000;
      process.stdout.write(`${JSON.stringify({ msgsPerSec: count / seconds, mbPerSec: (count * size) / seconds / 1e6 })}\n`);
      process.exit(0);
    }
    pump();
  });
}
