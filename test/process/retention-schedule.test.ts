import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Broker } from '../../src/broker/broker.js';
import { startBroker } from '../support/in-process-broker.js';
import { get, put, scanPartition, WireSession } from '../support/wire-client.js';

describe('retention on the deleteWhen schedule', () => {
  let broker: Broker | undefined;
  after(async () => broker?.stop());

  it('a Quartz schedule retires old segments; reads below the new start get 301 <minOffset>', async () => {
    broker = await startBroker(
      { maxSegmentSize: 200, deletePolicy: 'delete,0s', deleteWhen: '* * * * * ?' },
      '[topic=old]\n[topic=kept]\ndeletePolicy=delete,168\n',
    );
    const session = await WireSession.open('127.0.0.1', broker.port);
    for (let i = 0; i < 30; i += 1) {
      assert.equal((await put(session, 'old', 0, `message-${i}`.padEnd(40, '.'))).code, 200);
      assert.equal((await put(session, 'kept', 0, `message-${i}`.padEnd(40, '.'))).code, 200);
    }
    const log = broker.stores.find('old', 0)!;
    // The schedule fires every second; wait (bounded) until it has retired every sealed segment.
    for (let tries = 0; tries < 300 && log.sealedSegments().length > 0; tries += 1) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(log.sealedSegments().length, 0, 'old segments were deleted by the scheduled job');
    assert.ok(log.minOffset > 0);
    assert.deepEqual(await get(session, 'old', 0, 0).then((r) => [r.code, r.text]), [301, String(log.minOffset)]);
    assert.equal(broker.stores.find('kept', 0)!.minOffset, 0, 'a topic with its own policy keeps its data');
    assert.equal((await scanPartition(session, 'kept', 0)).length, 30);
    await session.close();
  });
});
