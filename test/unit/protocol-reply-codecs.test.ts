import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandDecoder } from '../../src/protocol/decoder.js';
import { encodeToBuffer, resultFrame, storedFrame } from '../../src/protocol/encoder.js';
import type { Reply } from '../../src/protocol/commands/reply.js';
import { BrokerError, XaError } from '../../src/protocol/broker-error.js';
import { decodePutReply } from '../../src/protocol/commands/put.js';
import { decodePutSetReply } from '../../src/protocol/commands/put-set.js';
import { decodeDelayedPutReply } from '../../src/protocol/commands/delayed-put.js';
import { decodeGetReply } from '../../src/protocol/commands/get.js';
import { answeredOffset, decodeOffsetReply } from '../../src/protocol/commands/offset.js';
import { decodeOffsetForTimeReply } from '../../src/protocol/commands/offset-for-time.js';
import { decodeKeyOffsetsReply } from '../../src/protocol/commands/key-offsets.js';
import { decodeStatsReply } from '../../src/protocol/commands/stats.js';
import { decodeVersionReply } from '../../src/protocol/commands/version.js';
import { decodeTransactionReply, xaReplyText } from '../../src/protocol/commands/transaction.js';
import { decodeSyncReply } from '../../src/protocol/commands/sync.js';
import { decodeSyncEndReply } from '../../src/protocol/commands/sync-end.js';
import { decodeAuthReply } from '../../src/protocol/commands/auth.js';
import { Status } from '../../src/protocol/status.js';

/** A reply as the client receives it: the broker's frame through the wire decoder. */
function received(frame: string | Buffer): Reply {
  const [reply, ...rest] = new CommandDecoder().push(typeof frame === 'string' ? Buffer.from(frame, 'utf8') : frame);
  assert.equal(rest.length, 0);
  assert.ok(reply !== undefined && (reply.kind === 'result' || reply.kind === 'value'));
  return reply;
}

const result = (code: number, text: string): Reply => received(resultFrame(code, 7, text));

/** `fn` throws a BrokerError with this status and text. */
function refuses(fn: () => unknown, status: number, reason: string): void {
  assert.throws(
    fn,
    (error: unknown) =>
      error instanceof BrokerError && error.status === status && error.reason === reason && error.message === `broker answered ${status}: ${reason}`,
  );
}

describe('reply codecs: what the broker writes, each command decodes', () => {
  it('put and mput answers decode to where the messages went; refusals throw their BrokerError', () => {
    assert.deepEqual(decodePutReply(received(storedFrame(7, 9007199254740993n, 3, 4096)), 2), {
      id: 9007199254740993n,
      partition: { brokerId: 2, index: 3 },
      offset: 4096,
    });
    assert.deepEqual(decodePutSetReply(received(storedFrame(7, 11n, 0, 120, 5))), { firstId: 11n, partition: 0, firstOffset: 120 });
    refuses(() => decodePutReply(result(Status.forbidden, 'partition[0-1] has been closed'), 0), 403, 'partition[0-1] has been closed');
    refuses(() => decodePutSetReply(result(Status.serviceUnavailable, 'fenced')), 503, 'fenced');
    refuses(() => decodePutReply(received(encodeToBuffer({ kind: 'value', opaque: 7, body: Buffer.from('x') })), 0), 0, 'x');
  });

  it('dput answers decode to the schedule entry', () => {
    assert.deepEqual(decodeDelayedPutReply(result(Status.success, '42 1 1700000000000 1')), { scheduleId: 42, partition: 1 });
    refuses(() => decodeDelayedPutReply(result(Status.internalServerError, 'no such topic')), 500, 'no such topic');
  });

  it('get answers: the value itself, caught up (404), moved (301), unavailable (403); anything else throws', () => {
    const value = received(encodeToBuffer({ kind: 'value', opaque: 7, body: Buffer.from('records') }));
    assert.equal(decodeGetReply(value), value, 'the value reply is handed back as it is: no copy per fetch');
    assert.deepEqual(decodeGetReply(result(Status.notFound, '')), { kind: 'caughtUp' });
    assert.deepEqual(decodeGetReply(result(Status.moved, '8192')), { kind: 'moved', offset: 8192 });
    assert.deepEqual(decodeGetReply(result(Status.forbidden, 'closed')), { kind: 'unavailable', reason: 'closed' });
    refuses(() => decodeGetReply(result(Status.internalServerError, 'disk failed')), 500, 'disk failed');
  });

  it('offset answers: the offset, undefined for no such partition; answeredOffset never throws', () => {
    assert.equal(decodeOffsetReply(result(Status.success, '1024')), 1024);
    assert.equal(decodeOffsetReply(result(Status.notFound, 'no partition')), undefined);
    refuses(() => decodeOffsetReply(result(Status.unauthorized, 'no read right')), 401, 'no read right');
    assert.equal(answeredOffset(result(Status.success, '9')), 9);
    assert.equal(answeredOffset(result(Status.internalServerError, 'x')), undefined);
    assert.equal(decodeOffsetForTimeReply(result(Status.success, '77')), 77);
    refuses(() => decodeOffsetForTimeReply(result(Status.notFound, 'unknown partition')), 404, 'unknown partition');
  });

  it('okey answers decode to offsets, none for an empty body', () => {
    assert.deepEqual(decodeKeyOffsetsReply(result(Status.success, '0 120 240')), [0, 120, 240]);
    assert.deepEqual(decodeKeyOffsetsReply(result(Status.success, '')), []);
    refuses(() => decodeKeyOffsetsReply(result(Status.notFound, 'x')), 404, 'x');
  });

  it('stats answers decode to item → value without STATS/END; a refusal gives none', () => {
    const stats = decodeStatsReply(result(Status.success, 'STATS\r\npid 12\r\nversion 1.4.6 metaq\r\nlonely\r\nEND\r\n'));
    assert.deepEqual(
      [...stats],
      [
        ['pid', '12'],
        ['version', '1.4.6 metaq'],
        ['lonely', 'NO VALUE'],
      ],
    );
    assert.equal(decodeStatsReply(result(Status.badRequest, 'unknown item')).size, 0);
  });

  it('version answers decode to the offered extensions; a MetaQ broker or a refusal offers none', () => {
    assert.deepEqual([...decodeVersionReply(result(Status.success, '1.4.6.3 +mput +wget'))], ['+mput', '+wget']);
    assert.equal(decodeVersionReply(result(Status.success, '1.4.6.3-SNAPSHOT')).size, 0);
    assert.equal(decodeVersionReply(result(Status.unauthorized, 'log in first')).size, 0);
  });

  it('transaction answers: the text, an XaError for the broker XAException, else a BrokerError', () => {
    assert.equal(decodeTransactionReply(result(Status.success, 'XID:1:a:b:q')), 'XID:1:a:b:q');
    const xa = result(Status.internalServerError, xaReplyText(-4, 'unknown xid\r\nsecond line'));
    assert.throws(
      () => decodeTransactionReply(xa),
      (error: unknown) => error instanceof XaError && error.xaCode === -4 && error.message === 'XA error -4: unknown xid\r\nsecond line',
    );
    refuses(() => decodeTransactionReply(result(Status.internalServerError, 'no such transaction')), 500, 'no such transaction');
  });

  it('sync, syncend and auth answers', () => {
    assert.equal(decodeSyncReply(result(Status.success, '5 0 360')), 360);
    refuses(() => decodeSyncReply(result(Status.forbidden, 'closed')), 403, 'closed');
    assert.equal(decodeSyncEndReply(result(Status.success, '4096')), 4096);
    refuses(() => decodeSyncEndReply(result(Status.unauthorized, 'not an admin')), 401, 'not an admin');
    assert.equal(decodeAuthReply(result(Status.success, 'r=abc,s=c2FsdA==,i=4096')), 'r=abc,s=c2FsdA==,i=4096');
    refuses(() => decodeAuthReply(result(Status.unauthorized, 'wrong password')), 401, 'wrong password');
  });
});
