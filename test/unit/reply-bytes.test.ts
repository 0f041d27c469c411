import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CommandDecoder } from '../../src/protocol/decoder.js';
import { resultFrame, storedFrame } from '../../src/protocol/encoder.js';
import { ReplyBytes } from '../../src/protocol/reply-bytes.js';

/** A reply as a handler makes it: a text frame, or a stored put's or set's answer. */
const replyArb = fc.oneof(
  fc.record({
    kind: fc.constant('frame' as const),
    code: fc.constantFrom(400, 403, 500, 503),
    opaque: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    text: fc.string({ maxLength: 300, unit: 'grapheme' }),
  }),
  fc.record({
    kind: fc.constant('stored' as const),
    opaque: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    id: fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }),
    partition: fc.integer({ min: -1, max: 1023 }),
    offset: fc.maxSafeNat(),
    count: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined }),
  }),
);

describe('ReplyBytes', () => {
  it('encodes every reply as the string frames did, across chunk boundaries, and never changes bytes already taken', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(replyArb, fc.boolean()), { maxLength: 400 }), fc.integer({ min: 1, max: 3000 }), (replies, repeat) => {
        const bytes = new ReplyBytes();
        const taken: Array<{ view: Buffer; copy: Buffer }> = [];
        const expected: string[] = [];
        const take = (): void => {
          const view = bytes.take();
          if (view !== undefined) taken.push({ view, copy: Buffer.from(view) });
        };
        // `repeat` copies of the first reply make ticks longer than a chunk (64 KiB).
        const all = replies.length === 0 ? [] : [...Array.from({ length: repeat }, () => [replies[0]![0], false] as const), ...replies];
        for (const [reply, tickEnds] of all) {
          if (reply.kind === 'frame') {
            const frame = resultFrame(reply.code, reply.opaque, reply.text);
            bytes.frame(frame);
            expected.push(frame);
          } else {
            bytes.stored(reply.opaque, reply.id, reply.partition, reply.offset, reply.count);
            expected.push(storedFrame(reply.opaque, reply.id, reply.partition, reply.offset, reply.count));
          }
          if (tickEnds) take();
        }
        take();
        for (const { view, copy } of taken) assert.ok(view.equals(copy), 'bytes handed to the socket were written over');
        assert.equal(Buffer.concat(taken.map((t) => t.copy)).toString('utf8'), expected.join(''));
      }),
      { numRuns: 60 },
    );
  });

  it('produces frames a MetaQ client decodes: status, opaque and body', () => {
    const bytes = new ReplyBytes();
    bytes.stored(42, 7205759403792793600n, 3, 1048576);
    bytes.stored(-7, 1n, 0, 0, 500);
    const [put, set] = new CommandDecoder().push(bytes.take()!);
    assert.deepEqual(put, { kind: 'result', code: 200, opaque: 42, body: Buffer.from('7205759403792793600 3 1048576') });
    assert.deepEqual(set, { kind: 'result', code: 200, opaque: -7, body: Buffer.from('1 0 0 500') });
    assert.equal(bytes.take(), undefined, 'nothing left once taken');
  });
});
