import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ProtocolError } from '../../src/common/errors.js';
import type { Command } from '../../src/protocol/commands.js';
import { CommandDecoder } from '../../src/protocol/decoder.js';
import { encodeToBuffer } from '../../src/protocol/encoder.js';
import { anyCommand } from '../support/arbitraries.js';

/**
 * How a reader feeds the decoder: views of what arrived; views, with bodies gathered into
 * buffers it supplies; or, as a client reading into one reused buffer (`onread`), every piece in
 * the same scratch memory, scribbled over after each push, bodies in supplied buffers.
 */
type Reading = 'views' | 'supplied bodies' | 'reused buffer';

function decodeInPieces(bytes: Buffer, cuts: number[], reading: Reading = 'views'): Command[] {
  const bodyBuffer = (length: number): Buffer => Buffer.alloc(length + 3, 0xee);
  const decoder = reading === 'views' ? new CommandDecoder() : new CommandDecoder({}, { bodyBuffer, reusedInput: reading === 'reused buffer' });
  const scratch = Buffer.alloc(bytes.length + 1);
  const out: Command[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (reading !== 'reused buffer') out.push(...decoder.push(bytes.subarray(from, cut)));
    else {
      out.push(...decoder.push(scratch.subarray(0, bytes.copy(scratch, 0, from, cut))));
      scratch.fill(0x5a);
    }
    from = cut;
  }
  assert.equal(decoder.bufferedBytes, 0, 'nothing left buffered after whole frames');
  return out;
}

describe('P1 streaming decoder', () => {
  it('round-trips every command shape', () => {
    fc.assert(
      fc.property(fc.array(anyCommand, { minLength: 1, maxLength: 8 }), (commands) => {
        const bytes = Buffer.concat(commands.map(encodeToBuffer));
        assert.deepEqual(decodeInPieces(bytes, []), commands);
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same commands when fed one byte at a time', () => {
    fc.assert(
      fc.property(fc.array(anyCommand, { minLength: 1, maxLength: 4 }), (commands) => {
        const bytes = Buffer.concat(commands.map(encodeToBuffer));
        const cuts = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
        assert.deepEqual(decodeInPieces(bytes, cuts), commands);
      }),
      { numRuns: 60 },
    );
  });

  it('gives the same commands for random split points, from views, into supplied bodies and from a reused read buffer', () => {
    fc.assert(
      fc.property(fc.array(anyCommand, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 20 }), (commands, rawCuts) => {
        const bytes = Buffer.concat(commands.map(encodeToBuffer));
        const cuts = [...new Set(rawCuts.map((c) => c % bytes.length))].sort((a, b) => a - b);
        for (const reading of ['views', 'supplied bodies', 'reused buffer'] as const) assert.deepEqual(decodeInPieces(bytes, cuts, reading), commands, reading);
      }),
      { numRuns: 300 },
    );
  });

  it('follows Java split semantics for the stats and version shapes', () => {
    const decode = (text: string) => new CommandDecoder().push(Buffer.from(text));
    assert.deepEqual(decode('stats\r\n'), [{ kind: 'stats', item: undefined, opaque: 2147483647 }]);
    assert.deepEqual(decode('stats  -1000\r\n'), [{ kind: 'stats', item: '', opaque: -1000 }]);
    assert.deepEqual(decode('stats 123\r\n'), [{ kind: 'stats', item: '123', opaque: 2147483647 }]);
    assert.deepEqual(decode('stats topics -1000   \r\n'), [{ kind: 'stats', item: 'topics', opaque: -1000 }]);
    assert.deepEqual(decode('vxyz 7\r\n'), [{ kind: 'version', opaque: 7 }], 'any v-word but value is version');
    assert.deepEqual(decode('qq\r\n'), [{ kind: 'quit' }]);
  });

  it('disambiguates the 7-token put shapes by the sixth token', () => {
    const [withChecksum] = new CommandDecoder().push(Buffer.from('put t 1 5 0 -1 9\r\nhello'));
    assert.equal(withChecksum?.kind === 'put' && withChecksum.checksum, -1);
    const [withTx] = new CommandDecoder().push(Buffer.from('put t 1 5 0 TX:s:1 9\r\nhello'));
    assert.equal(withTx?.kind === 'put' && withTx.txKey, 'TX:s:1');
    assert.equal(withTx?.kind === 'put' && withTx.checksum, -1);
  });

  it('parses Long.MAX_VALUE offsets as the newest marker and clamps other huge offsets', () => {
    const [get] = new CommandDecoder().push(Buffer.from('get t g 0 9223372036854775807 100 1\r\n'));
    assert.equal(get?.kind === 'get' && get.offset, 2 ** 63);
    assert.equal(encodeToBuffer(get!).toString(), 'get t g 0 9223372036854775807 100 1\r\n', 'encodes the marker back exactly');
    const [big] = new CommandDecoder().push(Buffer.from('get t g 0 9223372036854775806 100 1\r\n'));
    assert.equal(big?.kind === 'get' && big.offset, Number.MAX_SAFE_INTEGER);
  });

  const malformed = [
    'xyz 1 2\r\n',
    ' put t 0 1 0 1\r\n',
    'pxt t 0 1 0 1\r\n',
    'get t g 0 1 100\r\n',
    'get t g zero 1 100 1\r\n',
    'put t 0 +5 0 1\r\n',
    'put t 0 5 0 0x10 1\r\n',
    'offset t g 0 1\r\n',
    'result 200 1\r\n',
    'transaction TX:a:1 s NOPE 1\r\n',
    'transaction BAD:1 s BEGIN 1\r\n',
    'transaction XID:1:zz:00:q s BEGIN 1\r\n',
    'sync t 0 5 0 notanid 1\r\n',
    'stats item notanumber\r\n',
    'put t 0 -5 0 1\r\n',
    'get t g 0 1 99999999999 1\r\n',
  ];
  for (const text of malformed) {
    it(`refuses ${JSON.stringify(text)} with a ProtocolError`, () => {
      assert.throws(() => new CommandDecoder().push(Buffer.from(text)), ProtocolError);
    });
  }

  it('refuses a 2 GiB body length before allocating anything', () => {
    const decoder = new CommandDecoder({ maxBodyBytes: 1024 * 1024 });
    assert.throws(() => decoder.push(Buffer.from('put t 0 2147483647 0 1\r\n')), /exceeds the limit/);
    assert.equal(decoder.bufferedBytes, 0);
  });

  it('refuses an endless header line once it passes the limit, holding at most the limit', () => {
    const decoder = new CommandDecoder({ maxHeaderBytes: 256 });
    decoder.push(Buffer.alloc(200, 'a'));
    assert.ok(decoder.bufferedBytes <= 256);
    assert.throws(() => decoder.push(Buffer.alloc(100, 'a')), /header line longer/);
  });

  it('never throws anything but ProtocolError and never hangs on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const decoder = new CommandDecoder({ maxBodyBytes: 4096, maxHeaderBytes: 128 });
        try {
          decoder.push(Buffer.from(bytes));
        } catch (error) {
          assert.ok(error instanceof ProtocolError, String(error));
        }
        assert.ok(decoder.bufferedBytes <= 4096 + 128);
      }),
      { numRuns: 1000 },
    );
  });
});
