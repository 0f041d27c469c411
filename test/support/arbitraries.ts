import fc from 'fast-check';
import type { Command } from '../../src/protocol/commands.js';
import { TransactionTypes } from '../../src/protocol/commands.js';

/** A token without spaces or CR/LF, as topics, groups and session ids are on the wire. */
export const token = fc.stringMatching(/^[A-Za-z0-9_.!@#$%-]{1,20}$/);
const int32 = fc.integer({ min: -2147483648, max: 2147483647 });
const offset = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const body = fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bytes) => Buffer.from(bytes));
const txKey = fc.oneof(
  fc
    .tuple(
      token.filter((t) => !t.includes(':')),
      fc.integer({ min: 0, max: 2147483647 }),
    )
    .map(([s, n]) => `TX:${s}:${n}`),
  fc
    .tuple(
      fc.integer({ min: 0, max: 99 }),
      fc.uint8Array({ maxLength: 8 }),
      fc.uint8Array({ maxLength: 8 }),
      token.filter((t) => !t.includes(':')),
    )
    .map(([f, g, b, q]) => `XID:${f}:${Buffer.from(g).toString('hex')}:${Buffer.from(b).toString('hex')}:${q}`),
);

/** Every command shape of docs/protocol.md, as the encoder writes them. */
export const anyCommand: fc.Arbitrary<Command> = fc
  .oneof(
    fc.record({
      kind: fc.constant('put' as const),
      topic: token,
      partition: int32,
      flag: int32,
      checksum: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 2147483647 })),
      txKey: fc.option(txKey, { nil: undefined }),
      opaque: int32,
      body,
    }),
    fc.record({ kind: fc.constant('get' as const), topic: token, group: token, partition: int32, offset, maxSize: int32, opaque: int32 }),
    fc.record({ kind: fc.constant('offset' as const), topic: token, group: token, partition: int32, offset, opaque: int32 }),
    fc.record({ kind: fc.constant('result' as const), code: fc.constantFrom(200, 301, 400, 403, 404, 500, 503), opaque: int32, body }),
    fc.record({ kind: fc.constant('value' as const), opaque: int32, body }),
    fc.record({ kind: fc.constant('stats' as const), item: fc.oneof(fc.constant(''), token), opaque: int32 }),
    fc.record({ kind: fc.constant('version' as const), opaque: int32 }),
    fc.constant({ kind: 'quit' as const }),
    fc.record({
      kind: fc.constant('auth' as const),
      mechanism: token,
      opaque: int32,
      body: fc.uint8Array({ minLength: 1, maxLength: 1024 }).map((bytes) => Buffer.from(bytes)),
    }),
    fc.record({
      kind: fc.constant('transaction' as const),
      txKey: fc.oneof(txKey, fc.constant('null')),
      sessionId: token,
      type: fc.constantFrom(...TransactionTypes),
      timeout: fc.integer({ min: 0, max: 3600 }),
      uniqueQualifier: fc.option(
        token.filter((t) => !/^[0-9]+$/.test(t)),
        { nil: undefined },
      ),
      opaque: int32,
    }),
    fc.record({
      kind: fc.constant('sync' as const),
      topic: token,
      partition: int32,
      flag: int32,
      msgId: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      checksum: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 2147483647 })),
      opaque: int32,
      body,
    }),
  )
  // fast-check builds null-prototype records; decoded commands are plain objects.
  .map((command) => ({ ...command }));
