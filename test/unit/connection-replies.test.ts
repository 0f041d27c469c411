import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { encodeResult, storedFrame } from '../../src/protocol/encoder.js';
import { ConnectionReplies } from '../../src/broker/connection-replies.js';
import { ok, refused } from '../../src/broker/handlers/outcome.js';
import type { Outcome } from '../../src/broker/handlers/outcome.js';

/** A socket that keeps what is written to it, in order, with each write's callback. */
function recordingSocket(): { socket: Socket; written: Buffer[]; callbacks: Array<(() => void) | undefined>; destroy(): void } {
  const written: Buffer[] = [];
  const callbacks: Array<(() => void) | undefined> = [];
  const fake = {
    destroyed: false,
    cork: () => undefined,
    uncork: () => undefined,
    write: (bytes: Buffer, done?: () => void) => {
      written.push(Buffer.from(bytes));
      callbacks.push(done);
      return true;
    },
  };
  return { socket: fake as unknown as Socket, written, callbacks, destroy: () => (fake.destroyed = true) };
}

describe('ConnectionReplies: outcomes as wire bytes', () => {
  it('writes each outcome as the frame the encoder makes for it, in the order answered', () => {
    const { socket, written } = recordingSocket();
    const replies = new ConnectionReplies(socket);
    const body = Buffer.from('a message set');
    const outcomes: Array<[number, Outcome]> = [
      [1, { kind: 'stored', id: 123456789012345678n, partition: 3, offset: 4096, count: -1, messages: 1, payloadBytes: 10, retried: false }],
      [2, { kind: 'stored', id: 42n, partition: 0, offset: 0, count: 7, messages: 7, payloadBytes: 70, retried: false }],
      [3, ok('1.4.6.3-metaq-0.1.0 +mput')],
      [4, refused(404, 'Could not find message at position 10 — ünïcode', 'miss')],
      [
        5,
        {
          kind: 'writeFailed',
          status: 403,
          text: "Put message to [broker 'meta://x:1'] [partition 't-0'] failed.Detail:closed",
          partition: 0,
          messages: 1,
          oversized: false,
        },
      ],
      [6, { kind: 'messages', bytes: body, release: undefined }],
      [7, ok('after the set')],
    ];
    for (const [opaque, outcome] of outcomes) assert.equal(replies.write(opaque, outcome), true);
    replies.flush();
    const expected = Buffer.concat([
      Buffer.from(storedFrame(1, 123456789012345678n, 3, 4096)),
      Buffer.from(storedFrame(2, 42n, 0, 0, 7)),
      encodeResult(200, 3, '1.4.6.3-metaq-0.1.0 +mput'),
      encodeResult(404, 4, 'Could not find message at position 10 — ünïcode'),
      encodeResult(403, 5, "Put message to [broker 'meta://x:1'] [partition 't-0'] failed.Detail:closed"),
      Buffer.from(`value ${body.length} 6\r\n`),
      body,
      encodeResult(200, 7, 'after the set'),
    ]);
    assert.deepEqual(Buffer.concat(written), expected);
  });

  it('hands a message set to the socket with its release, and releases it at once when the socket is gone', () => {
    const live = recordingSocket();
    let released = 0;
    const release = (): void => void (released += 1);
    new ConnectionReplies(live.socket).write(9, { kind: 'messages', bytes: Buffer.from('x'), release });
    assert.equal(live.callbacks.at(-1), release);
    const gone = recordingSocket();
    gone.destroy();
    assert.equal(new ConnectionReplies(gone.socket).write(9, { kind: 'messages', bytes: Buffer.from('x'), release }), false);
    assert.equal(released, 1);
    assert.equal(gone.written.length, 0);
  });
});
