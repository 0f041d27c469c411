import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { noWholeMessage } from '../../src/client/consumer/no-whole-message.js';
import { encodeRecord } from '../../src/protocol/record.js';

describe('a fetch with bytes but no whole message', () => {
  const record = encodeRecord(Buffer.alloc(100, 'x'), 7n, 0);

  it('is a message larger than maxSize when the broker filled the fetch', () => {
    assert.equal(noWholeMessage('t-0', 0, record.subarray(0, 50), 50).code, 'MESSAGE_TOO_LARGE');
  });

  it('is an offset inside a message when the header read there has a negative length', () => {
    const inside = Buffer.concat([Buffer.from([0xff, 0, 0, 0]), record]);
    const error = noWholeMessage('t-0', 5, inside, 1024);
    assert.equal(error.code, 'NOT_A_MESSAGE_START');
    assert.match(error.message, /offset 5 of t-0 is not at the start of a message/);
  });

  it('is an offset inside a message when the bytes end before the length read there, in a fetch the broker did not fill', () => {
    assert.equal(noWholeMessage('t-0', 5, record.subarray(0, 50), 1024).code, 'NOT_A_MESSAGE_START');
  });
});
