import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { splitHeader } from '../../src/protocol/header-line.js';
import { parseHeader } from '../../src/protocol/header-parser.js';
import { PutHeaderFastPath } from '../../src/protocol/put-fast-path.js';

/** What the general parser makes of a line: the header, or the error's message. */
function general(line: string): unknown {
  try {
    return parseHeader(splitHeader(line));
  } catch (error) {
    return (error as Error).message;
  }
}

const intToken = fc.oneof(
  fc.integer({ min: -2147483648, max: 2147483647 }).map(String),
  fc.constantFrom('0', '-0', '007', '2147483648', '-2147483649', '99999999999', '', '-', '1a', '+1', ' 1'),
);
const topic = fc.oneof(
  fc.constantFrom('orders', 'topic-1', 'cafés', 'a'),
  fc.string({ minLength: 0, maxLength: 8 }).filter((t) => !/[\r\n]/.test(t)),
);

describe('put header fast path', () => {
  it('agrees with the general parser on every line it accepts, and leaves the rest to it', () => {
    const fast = new PutHeaderFastPath();
    fc.assert(
      fc.property(topic, fc.array(intToken, { minLength: 3, maxLength: 7 }), fc.constantFrom('', ' ', '  '), fc.boolean(), (name, numbers, trailer, txKey) => {
        const tokens = ['put', name, ...numbers.slice(0, 4), ...(txKey ? ['TX:abc:1'] : []), ...numbers.slice(4)];
        const line = tokens.join(' ') + trailer;
        const bytes = Buffer.from(`junk${line}\r\n`);
        const parsed = fast.parse(bytes, 4, bytes.length - 2);
        if (parsed !== undefined) assert.deepEqual(parsed, general(line), line);
      }),
      { numRuns: 5000 },
    );
  });

  it('takes the common shapes itself: with and without a checksum, the topic reused', () => {
    const fast = new PutHeaderFastPath();
    const line = (text: string): Buffer => Buffer.from(text);
    const a = fast.parse(line('put orders 3 100 0 12345 -7'), 0, 27)!;
    assert.deepEqual(a, general('put orders 3 100 0 12345 -7'));
    const b = fast.parse(line('put orders 0 5 1 9'), 0, 18)!;
    assert.deepEqual(b, general('put orders 0 5 1 9'));
    assert.equal(b.command.kind === 'put' && b.command.checksum, -1);
    assert.equal(fast.parse(line('put orders 0 -5 1 9'), 0, 19), undefined, "a negative length is the general parser's to refuse");
    assert.equal(fast.parse(line('get orders 0 5 1 9'), 0, 18), undefined);
  });
});
