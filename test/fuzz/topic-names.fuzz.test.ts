import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { tempDir } from '../support/broker-process.js';
import { startBroker } from '../support/in-process-broker.js';
import { rawConnection } from '../support/raw-replies.js';
import { fuzzParameters } from './fuzz-budget.js';

/** Bytes a hostile name is made of: path parts, NUL, backslash, bytes that are not UTF-8, and plain letters. */
const NAME_BYTES = [0x2e, 0x2f, 0x00, 0x5c, 0x61, 0x2d, 0x5f, 0x30, 0xff, 0xc3, 0xa9, 0xef, 0xbf, 0xbd, 0x7e, 0x2a];
const hostileName = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 12 }).map((bytes) => Buffer.from([...bytes].map((b) => NAME_BYTES[b % NAME_BYTES.length]!))),
  fc.constantFrom('..', '.', '../..', 'a/../..', '....//').map((text) => Buffer.from(text)),
  fc.integer({ min: 240, max: 300 }).map((length) => Buffer.alloc(length, 0x61)),
);

/** What the rule allows, decided on the bytes (a name that is not ASCII never is). */
function allowed(name: Buffer): boolean {
  const text = name.toString('latin1');
  return /^[A-Za-z0-9._-]{1,249}$/.test(text) && text !== '.' && text !== '..';
}

describe('fuzz: hostile topic names against a live broker', { timeout: 600_000 }, () => {
  it('stores a put only under a valid name, answers 400 otherwise, and never creates anything outside its data directory', async () => {
    const root = tempDir('name-fuzz');
    const data = join(root, 'data');
    mkdirSync(data);
    const broker = await startBroker({ dataPath: data, headerTimeoutMs: 0 });
    const connection = await rawConnection(broker.port);
    let opaque = 0;
    try {
      await fc.assert(
        fc.asyncProperty(hostileName, async (name) => {
          opaque += 1;
          const reply = await connection.result(Buffer.concat([Buffer.from('put '), name, Buffer.from(` 0 1 0 ${opaque}\r\nx`)]), opaque);
          if (allowed(name)) assert.match(reply, /^200 /, JSON.stringify(name.toString('latin1')));
          else assert.match(reply, /^400 invalid topic name/, JSON.stringify(name.toString('latin1')));
          // data.metaq: the broker's own state beside its data directory (docs/storage.md)
          assert.deepEqual(readdirSync(root).sort(), ['data', 'data.metaq']);
        }),
        fuzzParameters(),
      );
      const stray = readdirSync(data).filter((entry) => !/^[A-Za-z0-9._-]{1,249}-0$/.test(entry) && !entry.startsWith('.') && entry !== 'transactions');
      assert.deepEqual(stray, []);
    } finally {
      connection.socket.destroy();
      await broker.stop();
    }
  });
});
