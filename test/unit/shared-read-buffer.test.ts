import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { readIntoSharedBuffer } from '../../src/broker/shared-read-buffer.js';

describe('readIntoSharedBuffer', () => {
  it('keeps an accepted socket that has no handle to move, resumed, for its data events', () => {
    let resumed = false;
    const accepted = { _handle: undefined, resume: () => (resumed = true) } as unknown as Socket;
    const { socket, pushed } = readIntoSharedBuffer(accepted, Buffer.alloc(16), () => assert.fail('no read is pushed'));
    assert.equal(socket, accepted);
    assert.equal(pushed, false);
    assert.equal(resumed, true, 'paused on accept, it must read again');
  });
});
