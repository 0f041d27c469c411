// Bench consumer process: sequential gets over a backlog, as a MetaQ consumer fetches one partition.
import { connect } from 'node:net';
import { CommandDecoder } from '../src/protocol/decoder.js';
import { RECORD_HEADER_SIZE } from '../src/protocol/record.js';

const [port, topic, end, maxSize] = process.argv.slice(2).map((v, i) => (i === 1 ? v : Number(v))) as [number, string, number, number];
// Each reply is done with before the next get goes out, so one buffer takes every reply body
// (as the client library's runBatches does): a fresh 1 MiB buffer per reply costs page faults.
const body = Buffer.allocUnsafeSlow(maxSize);
const decoder = new CommandDecoder({ maxBodyBytes: maxSize + 1024 }, { bodyBuffer: (length) => (length <= body.length ? body : undefined) });
const socket = connect({ host: '127.0.0.1', port });
socket.setNoDelay(true);
let offset = 0;
let bytes = 0;
let gets = 0;
let started = 0;

function fetchNext(): void {
  socket.write(`get ${topic} bench 0 ${offset} ${maxSize} ${gets}\r\n`);
  gets += 1;
}

/** Bytes of whole records at the start of a message set: how far the offset moves. */
function wholeRecords(set: Buffer): number {
  let pos = 0;
  while (set.length - pos >= RECORD_HEADER_SIZE) {
    const size = RECORD_HEADER_SIZE + set.readInt32BE(pos);
    if (pos + size > set.length) break;
    pos += size;
  }
  return pos;
}

socket.on('connect', () => {
  started = performance.now();
  fetchNext();
});
socket.on('data', (chunk: Buffer) => {
  const replies = decoder.push(chunk);
  if (replies.length === 0) return; // the reply is still arriving
  for (const reply of replies) {
    if (reply.kind !== 'value') throw new Error(`unexpected reply at ${offset}: ${reply.kind} ${reply.kind === 'result' ? reply.body.toString() : ''}`);
    bytes += reply.body.length;
    offset += wholeRecords(reply.body);
  }
  if (socket.writableEnded) return;
  if (offset >= end) {
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`${JSON.stringify({ bytes, gets, seconds, mbPerSec: bytes / seconds / 1e6 })}\n`);
    socket.end();
  } else fetchNext();
});
