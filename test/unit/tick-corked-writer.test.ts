import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TickCorkedWriter } from '../../src/client/transport/tick-corked-writer.js';
import type { CorkableStream } from '../../src/client/transport/tick-corked-writer.js';

/** A stream that records what leaves it: each uncork that ends all corks sends what was written. */
function recordingStream(): CorkableStream & { sent: number[]; pending: number } {
  let corks = 0;
  const stream = {
    sent: [] as number[],
    pending: 0,
    cork: () => (corks += 1),
    uncork: () => {
      corks -= 1;
      if (corks === 0 && stream.pending > 0) {
        stream.sent.push(stream.pending);
        stream.pending = 0;
      }
    },
    write: (chunk: Buffer) => {
      if (corks === 0) stream.sent.push(chunk.length);
      else stream.pending += chunk.length;
      return true;
    },
  };
  return stream;
}

const nextTick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

describe('TickCorkedWriter', () => {
  it('sends the small frames of one tick together, at the end of the tick', async () => {
    const stream = recordingStream();
    const writer = new TickCorkedWriter(stream, 64 * 1024);
    for (let n = 0; n < 100; n += 1) writer.write([Buffer.alloc(100)]);
    assert.deepEqual(stream.sent, []);
    await nextTick();
    assert.deepEqual(stream.sent, [10_000]);
    writer.write([Buffer.alloc(10)]);
    await nextTick();
    assert.deepEqual(stream.sent, [10_000, 10], 'the next tick corks again');
  });

  it('sends a long burst as it is written, not as one block at the end of the tick', async () => {
    const stream = recordingStream();
    const writer = new TickCorkedWriter(stream, 64 * 1024);
    // A producer refilling a 2,000-send window of 1 KiB: eight 256 KiB sets in one tick.
    for (let n = 0; n < 8; n += 1) writer.write([Buffer.alloc(256 * 1024)]);
    assert.deepEqual(stream.sent, Array(8).fill(256 * 1024), 'each set left before the next was written');
    writer.write([Buffer.alloc(40 * 1024)]);
    writer.write([Buffer.alloc(40 * 1024)]);
    assert.deepEqual(stream.sent.slice(8), [80 * 1024], 'frames gather until the limit is crossed');
    writer.write([Buffer.alloc(1)]);
    await nextTick();
    assert.deepEqual(stream.sent.slice(8), [80 * 1024, 1]);
  });
});
