import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { checksum } from '../../src/common/checksum.js';

describe('checksum', () => {
  it('is zlib CRC-32 with the top bit cleared, on both sides of the small-payload switch', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 700 }), (bytes) => {
        assert.equal(checksum(bytes), crc32(bytes) & 0x7fffffff);
      }),
      { numRuns: 2000 },
    );
  });

  it('matches MetaQ for a known payload', () => {
    // Java: CRC32.update("hello".getBytes()) & 0x7FFFFFFF
    assert.equal(checksum(Buffer.from('hello')), 0x3610a686 & 0x7fffffff);
  });
});
