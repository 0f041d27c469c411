import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RecordJoiner } from '../../src/integrations/tail/record-joiner.js';
import type { LogRecord } from '../../src/integrations/tail/record-joiner.js';

const texts = (records: LogRecord[]) => records.map((r) => `${r.data.toString()}@${r.end}`);

describe('tail: record joiner', () => {
  it('one record per line, ends after each newline, CRLF trimmed, a line without its newline held back', () => {
    const joiner = new RecordJoiner(undefined, 100, 1024);
    assert.deepEqual(texts(joiner.push(Buffer.from('a\r\nbb\ncc'))), ['a@103', 'bb@106']);
    assert.deepEqual(texts(joiner.push(Buffer.from('c'))), []);
    assert.deepEqual(texts(joiner.flush(false)), [], 'a partial line waits for its newline');
    assert.deepEqual(texts(joiner.push(Buffer.from('\n'))), ['ccc@110']);
    joiner.push(Buffer.from('tail'));
    assert.deepEqual(texts(joiner.flush(true)), ['tail@114'], "a rotated file's last line is shipped");
  });

  it('joins continuation lines to the record that a start-of-record line opened', () => {
    const joiner = new RecordJoiner(/^\d{4}-/, 0, 1024);
    const log = '2026-01-01 error\n  at a()\n  at b()\n2026-01-02 ok\n';
    assert.deepEqual(texts(joiner.push(Buffer.from(log))), ['2026-01-01 error\n  at a()\n  at b()@35']);
    assert.deepEqual(texts(joiner.flush(false)), ['2026-01-02 ok@49'], 'the last record completes when the file goes quiet');
  });

  it('cuts a record at the size limit', () => {
    const joiner = new RecordJoiner(undefined, 0, 8);
    assert.deepEqual(texts(joiner.push(Buffer.from('0123456789abc'))), ['0123456789abc@13']);
    assert.deepEqual(texts(joiner.push(Buffer.from('\n'))), ['@14']);
  });

  it('whatever the chunking, the records and their ends are the same', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z ]{0,12}$/), { maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1 }),
        (lines, cuts) => {
          const bytes = Buffer.from(lines.map((l, i) => (i % 3 === 0 ? `S${l}` : ` ${l}`)).join('\n') + '\n');
          const whole = new RecordJoiner(/^S/, 0, 1 << 20);
          const expected = texts([...whole.push(bytes), ...whole.flush(false)]);
          const chunked = new RecordJoiner(/^S/, 0, 1 << 20);
          const got: LogRecord[] = [];
          for (let at = 0, i = 0; at < bytes.length; i += 1) {
            const size = cuts[i % cuts.length]!;
            got.push(...chunked.push(bytes.subarray(at, at + size)));
            at += size;
          }
          got.push(...chunked.flush(false));
          assert.deepEqual(texts(got), expected);
        },
      ),
    );
  });
});
