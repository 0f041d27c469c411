import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ProtocolError } from '../../src/common/errors.js';
import { CommandDecoder } from '../../src/protocol/decoder.js';
import { encodeToBuffer } from '../../src/protocol/encoder.js';
import { wireStream } from './corpus.js';
import { fuzzParameters } from './fuzz-budget.js';

const LIMITS = { maxHeaderBytes: 4096, maxBodyBytes: 64 * 1024 };

describe('fuzz: the protocol decoder', () => {
  it('on any bytes in any split, yields commands or a ProtocolError, buffering no more than its limits', () => {
    fc.assert(
      fc.property(wireStream, fc.array(fc.nat(), { maxLength: 6 }), (bytes, cutsAt) => {
        const decoder = new CommandDecoder(LIMITS);
        const cuts = [...new Set(cutsAt.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].sort((a, b) => a - b);
        let from = 0;
        try {
          for (const cut of [...cuts, bytes.length]) {
            for (const command of decoder.push(bytes.subarray(from, cut))) {
              // Whatever was decoded can be written back out: no half-built command escapes.
              encodeToBuffer(command);
            }
            from = cut;
            assert.ok(decoder.bufferedBytes <= LIMITS.maxHeaderBytes + LIMITS.maxBodyBytes, `buffered ${decoder.bufferedBytes} bytes`);
          }
        } catch (error) {
          if (!(error instanceof ProtocolError)) throw error;
        }
      }),
      fuzzParameters(),
    );
  });
});
