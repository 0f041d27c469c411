// Bench producer process: pipelined puts on one connection, latency per put.
import { connect } from 'node:net';
import * as hdr from 'hdr-histogram-js';
import { checksum } from '../src/common/checksum.js';
import { CommandDecoder } from '../src/protocol/decoder.js';
import { warmUpCount } from './child.js';

const [port, topic, size, count, window] = process.argv.slice(2).map((v, i) => (i === 1 ? v : Number(v))) as [number, string, number, number, number];
/** Puts sent and acked untimed first; the timed ones follow. */
const warmUp = warmUpCount();
const body = Buffer.alloc(size, 'm');
const crc = checksum(body);
const sentAt = new Float64Array(warmUp + count);
const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
const decoder = new CommandDecoder();
const socket = connect({ host: '127.0.0.1', port });
socket.setNoDelay(true);
let sent = 0;
let acked = 0;
let failed = 0;
let started = 0;
/** Sent so far may reach this: the warm-up first, then (once it is all acked) every put. */
let limit = warmUp;

function pump(): void {
  socket.cork();
  while (sent < limit && sent - acked < window) {
    sentAt[sent] = performance.now();
    socket.write(`put ${topic} 0 ${size} 0 ${crc} ${sent}\r\n`);
    socket.write(body);
    sent += 1;
  }
  socket.uncork();
}

function startTimed(): void {
  started = performance.now();
  limit = warmUp + count;
  pump();
}

socket.on('connect', () => (warmUp > 0 ? pump() : startTimed()));
socket.on('data', (chunk: Buffer) => {
  const now = performance.now();
  for (const reply of decoder.push(chunk)) {
    if (reply.kind !== 'result') continue;
    if (reply.opaque < warmUp) {
      acked += 1;
      if (acked === warmUp) startTimed();
      continue;
    }
    if (reply.code !== 200) failed += 1;
    histogram.recordValue(Math.max(1, Math.round((now - sentAt[reply.opaque]!) * 1000)));
    acked += 1;
  }
  if (acked === warmUp + count && !socket.writableEnded) {
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `${JSON.stringify({
        messages: count,
        failed,
        seconds,
        msgsPerSec: count / seconds,
        mbPerSec: (count * size) / seconds / 1e6,
        p50us: histogram.getValueAtPercentile(50),
        p99us: histogram.getValueAtPercentile(99),
        p999us: histogram.getValueAtPercentile(99.9),
      })}\n`,
    );
    socket.end();
  } else if (acked < limit) pump();
});
