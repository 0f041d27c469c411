import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checksum } from '../../src/common/checksum.js';
import type { Command } from '../../src/protocol/commands.js';
import { CommandDecoder } from '../../src/protocol/decoder.js';
import { encodeToBuffer } from '../../src/protocol/encoder.js';
import { decodePayload, encodePayload } from '../../src/protocol/payload.js';
import { encodeRecord, iterateRecords } from '../../src/protocol/record.js';

/**
 * P2: frames written by hand from the MetaQ protocol description (docs/protocol.md, byte-exact examples), as hex.
 * Checksums were cross-checked once against java.util.zip.CRC32 on JDK 17:
 * "hello" 907060870, "123456789" 1274296614, empty 0, 00000004 "attr" "hello" 1264772380,
 * UTF-8 "消息" 254509373. 1264772380 is 0x4B62E51C, so its big-endian bytes are 4b62e51c (a
 * hand-written hex of this example once said 4b63c11c).
 */
const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');

const fixtures: Array<{ name: string; bytes: Buffer; command: Command }> = [
  {
    name: 'put with attribute (docs/protocol.md example)',
    bytes: Buffer.concat([ascii('put meta-test 0 13 1 1264772380 -2147483648\r\n'), hex('0000000461747472 68656c6c6f')]),
    command: {
      kind: 'put',
      topic: 'meta-test',
      partition: 0,
      flag: 1,
      checksum: 1264772380,
      txKey: undefined,
      opaque: -2147483648,
      body: hex('0000000461747472 68656c6c6f'),
    },
  },
  {
    name: 'legacy put in a transaction',
    bytes: ascii('put test 1 5 0 TX:test:1 0\r\nhello'),
    command: { kind: 'put', topic: 'test', partition: 1, flag: 0, checksum: -1, txKey: 'TX:test:1', opaque: 0, body: ascii('hello') },
  },
  {
    name: 'put with checksum and transaction (8 tokens)',
    bytes: ascii('put test 1 5 0 907060870 TX:test:1 0\r\nhello'),
    command: { kind: 'put', topic: 'test', partition: 1, flag: 0, checksum: 907060870, txKey: 'TX:test:1', opaque: 0, body: ascii('hello') },
  },
  {
    name: 'legacy put (6 tokens)',
    bytes: ascii('put test -1 5 0 3\r\nhello'),
    command: { kind: 'put', topic: 'test', partition: -1, flag: 0, checksum: -1, txKey: undefined, opaque: 3, body: ascii('hello') },
  },
  {
    name: 'get',
    bytes: ascii('get test boyan-group 1 1000 1048576 -3\r\n'),
    command: { kind: 'get', topic: 'test', group: 'boyan-group', partition: 1, offset: 1000, maxSize: 1048576, opaque: -3 },
  },
  {
    name: 'offset',
    bytes: ascii('offset test boyan-test 1 1000 -1\r\n'),
    command: { kind: 'offset', topic: 'test', group: 'boyan-test', partition: 1, offset: 1000, opaque: -1 },
  },
  { name: 'result', bytes: ascii('result 404 9 99\r\nnot found'), command: { kind: 'result', code: 404, opaque: 99, body: ascii('not found') } },
  { name: 'value', bytes: ascii('value 5 99\r\nhello'), command: { kind: 'value', opaque: 99, body: ascii('hello') } },
  {
    name: 'transaction with timeout and qualifier',
    bytes: ascii('transaction TX:sessionId:99 sessionId BEGIN 3 unique-qualifier 100\r\n'),
    command: {
      kind: 'transaction',
      txKey: 'TX:sessionId:99',
      sessionId: 'sessionId',
      type: 'BEGIN',
      timeout: 3,
      uniqueQualifier: 'unique-qualifier',
      opaque: 100,
    },
  },
  {
    name: 'XA recover',
    bytes: ascii('transaction XID:1:0a0b:0c:q1 s1 RECOVER q1 7\r\n'),
    command: { kind: 'transaction', txKey: 'XID:1:0a0b:0c:q1', sessionId: 's1', type: 'RECOVER', timeout: 0, uniqueQualifier: 'q1', opaque: 7 },
  },
  {
    name: 'legacy sync (7 tokens)',
    bytes: ascii('sync test 1 5 0 9999 777\r\nhello'),
    command: { kind: 'sync', topic: 'test', partition: 1, flag: 0, msgId: 9999n, checksum: -1, opaque: 777, body: ascii('hello') },
  },
  {
    name: 'sync with checksum',
    bytes: ascii('sync test 1 5 0 9999 907060870 777\r\nhello'),
    command: { kind: 'sync', topic: 'test', partition: 1, flag: 0, msgId: 9999n, checksum: 907060870, opaque: 777, body: ascii('hello') },
  },
  { name: 'stats blank', bytes: ascii('stats  -1000\r\n'), command: { kind: 'stats', item: '', opaque: -1000 } },
  { name: 'stats item', bytes: ascii('stats topics -1000\r\n'), command: { kind: 'stats', item: 'topics', opaque: -1000 } },
  { name: 'version', bytes: ascii('version 999\r\n'), command: { kind: 'version', opaque: 999 } },
  { name: 'quit', bytes: ascii('quit\r\n'), command: { kind: 'quit' } },
];

describe('P2 golden fixtures', () => {
  for (const fixture of fixtures) {
    it(`${fixture.name}: decodes and re-encodes byte for byte`, () => {
      assert.deepEqual(new CommandDecoder().push(fixture.bytes), [fixture.command]);
      assert.deepEqual(encodeToBuffer(fixture.command), fixture.bytes);
    });
  }

  it('checksums match the JDK values and zlib.crc32 & 0x7fffffff', () => {
    assert.equal(checksum(ascii('hello')), 907060870);
    assert.equal(checksum(ascii('123456789')), 1274296614);
    assert.equal(checksum(Buffer.alloc(0)), 0);
    assert.equal(checksum(hex('0000000461747472 68656c6c6f')), 1264772380);
    assert.equal(checksum(Buffer.from('消息', 'utf8')), 254509373);
  });

  it('encodes the docs/protocol.md example record byte for byte', () => {
    const { payload, flag } = encodePayload(ascii('hello'), 'attr');
    assert.equal(flag, 1);
    const record = encodeRecord(payload, 0x0102030405060708n, flag);
    assert.deepEqual(record, hex('0000000d 4b62e51c 0102030405060708 00000001 0000000461747472 68656c6c6f'));
    const [view] = [...iterateRecords(record)];
    assert.deepEqual(decodePayload(view!.payload, view!.flag), { data: ascii('hello'), attribute: 'attr' });
  });

  it('keeps an empty attribute distinct from none, and preserves reserved flag bits', () => {
    const empty = encodePayload(ascii('x'), '');
    assert.deepEqual(decodePayload(empty.payload, empty.flag), { data: ascii('x'), attribute: '' });
    assert.deepEqual(decodePayload(ascii('x'), 0b110), { data: ascii('x'), attribute: undefined });
  });

  it('ignores a trailing partial record in a message set', () => {
    const one = encodeRecord(ascii('hello'), 1n, 0);
    const set = Buffer.concat([one, one.subarray(0, one.length - 1)]);
    assert.equal([...iterateRecords(set)].length, 1);
  });
});
