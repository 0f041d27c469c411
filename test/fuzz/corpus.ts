import fc from 'fast-check';

/**
 * Interesting inputs for the wire fuzzers: valid frames of every shape, and the edges parsers
 * get wrong (numbers at and past Java's int and long limits, negative and huge lengths, lines
 * ended by a lone CR or LF, NUL and multi-byte characters, tokens missing or doubled, bodies
 * shorter or longer than announced). Mutations of these find more than random bytes do.
 */
export const WIRE_CORPUS: readonly string[] = [
  'put topic 0 5 0 1\r\nhello',
  'put topic 0 5 0 907060870 1\r\nhello',
  'put topic -1 5 0 907060870 TX:s:1 2\r\nhello',
  'put topic 2147483647 5 0 3\r\nhello',
  'put topic 0 2147483648 0 4\r\n',
  'put topic 0 -1 0 5\r\n',
  'put topic 0 16777217 0 6\r\n',
  'put topic 0 5 0\r\nhello',
  'put  topic 0 5 0 7\r\nhello',
  'put topic 0 3 0 8\r\nhello',
  'get topic group 0 0 1048576 9\r\n',
  'get topic group 0 9223372036854775807 1048576 10\r\n',
  'get topic group 0 9223372036854775808 1048576 11\r\n',
  'get topic group 0 -1 0 12\r\n',
  'wget topic group 0 0 1024 30000 13\r\n',
  'wget topic group 0 0 1024 -5 14\r\n',
  'offset topic group 0 0 15\r\n',
  'otime topic 0 0 16\r\n',
  'okey topic 0 a%20key 10 17\r\n',
  'okey topic 0 %E0%A4%A 10000 18\r\n',
  'mput topic 0 0 1 19\r\n',
  'mput topic 0 20 1 producer-1 0 20\r\n00000000000000000000',
  'dput topic 0 20 1 99999999999999 21\r\n00000000000000000000',
  'stats 22\r\n',
  'stats reset 23\r\n',
  'stats config\r\n',
  'version\r\n',
  'version 24\r\n',
  'transaction TX:s:1 session BEGIN 25\r\n',
  'transaction XID:1:0a:0b:q session PREPARE 26\r\n',
  'transaction null session RECOVER 27\r\n',
  'transaction TX:s:1 session COMMIT_ONE_PHASE 3600 q 28\r\n',
  'sync topic 0 5 0 123 907060870 29\r\nhello',
  'syncend topic 0 0 30\r\n',
  'admin resubscribe 31\r\n',
  'auth SCRAM-SHA-256 27 32\r\nn,,n=user,r=rOprNGfwEbeRWgbN',
  'auth SCRAM-SHA-256 2000 33\r\n',
  'result 200 2 34\r\nok',
  'value 3 35\r\nabc',
  'quit\r\n',
  '\r\n',
  '\n',
  'put topic 0 5 0 36\rhello',
  'put topic 0 5 0 37\nhello',
  'put t\u0000pic 0 5 0 38\r\nhello',
  'put tópico 0 5 0 39\r\nhello',
  `put ${'t'.repeat(5000)} 0 5 0 40\r\nhello`,
  'p\r\n',
  'g\r\n',
  'x 1 2 3\r\n',
];

/** A corpus entry, as bytes. */
export const corpusEntry = fc.constantFrom(...WIRE_CORPUS).map((text) => Buffer.from(text, 'utf8'));

/** A corpus entry changed a little: bytes flipped, cut, repeated or spliced with random ones. */
export const mutatedEntry: fc.Arbitrary<Buffer> = fc
  .tuple(
    corpusEntry,
    fc.array(fc.tuple(fc.constantFrom('flip', 'cut', 'insert', 'repeat'), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 })), { maxLength: 4 }),
  )
  .map(([entry, edits]) => {
    let bytes = entry;
    for (const [edit, at, extra] of edits) {
      const position = bytes.length === 0 ? 0 : at % bytes.length;
      if (edit === 'flip' && bytes.length > 0) {
        bytes = Buffer.from(bytes);
        bytes[position] = bytes[position]! ^ (extra[0]! | 1);
      } else if (edit === 'cut') bytes = bytes.subarray(0, position);
      else if (edit === 'insert') bytes = Buffer.concat([bytes.subarray(0, position), Buffer.from(extra), bytes.subarray(position)]);
      else bytes = Buffer.concat([bytes, bytes.subarray(position)]);
    }
    return bytes;
  });

/** What a fuzzer sends on one connection: corpus entries, mutated ones and random bytes, one after another. */
export const wireStream: fc.Arbitrary<Buffer> = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: corpusEntry },
      { weight: 5, arbitrary: mutatedEntry },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) },
    ),
    { minLength: 1, maxLength: 12 },
  )
  .map((parts) => Buffer.concat(parts));
