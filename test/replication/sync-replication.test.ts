import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Broker } from '../../src/broker/broker.js';
import { BrokerError, MetaqClient } from '../../src/client/index.js';
import { eventually } from '../support/eventually.js';
import { tempDir } from '../support/broker-process.js';
import { freePort } from '../support/free-port.js';
import { brokerIni, logBytes, startFromIni } from '../support/replica-pair.js';

describe('synchronous replication', { timeout: 60_000 }, () => {
  const started: Broker[] = [];
  const clients: MetaqClient[] = [];
  const start = async (text: string): Promise<Broker> => {
    const broker = await startFromIni(text);
    started.push(broker);
    return broker;
  };
  const clientOf = (broker: Broker): MetaqClient => {
    const client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${broker.port}` });
    clients.push(client);
    return client;
  };
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(started.map((b) => b.stop()));
  });

  it('acks a put once the slave has it, and both logs hold the same bytes at the same offsets', async () => {
    const slave = await start(brokerIni({ numPartitions: 2 }, { role: 'sync-slave' }));
    const master = await start(brokerIni({ numPartitions: 2 }, { slave: `127.0.0.1:${slave.port}` }));
    // Round robin over both partitions (partition -1 would let the broker put a whole set on one).
    const roundRobin = new MetaqClient({ serverUrl: `meta://127.0.0.1:${master.port}`, partitions: { orders: 2 } });
    clients.push(roundRobin);
    const producer = roundRobin.producer();
    await eventually(() => master.replication.syncMaster!.status().connected, 'the master connecting to its slave');
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => producer.send({ topic: 'orders', data: `m${i}` })));
    for (const result of results) {
      const copy = slave.stores.find('orders', result.partition.index);
      assert.ok(copy !== undefined && copy.writtenEnd > result.offset, `acked ${result.offset} is on the slave`);
    }
    for (const p of [0, 1]) assert.deepEqual(await logBytes(slave.stores.find('orders', p)), await logBytes(master.stores.find('orders', p)));
    const status = master.replication.statusLines();
    assert.ok(
      status.some((line) => /^orders-0 state live .* lag_bytes 0$/.test(line)),
      status.join('\n'),
    );
    // The slave takes no puts of its own: its copy must stay the master's.
    await assert.rejects(
      clientOf(slave).producer().send({ topic: 'orders', data: 'direct' }),
      (e: unknown) => e instanceof BrokerError && e.status === 503 && /sync slave/.test(e.message),
    );
  });

  it('a slave replaced by an empty one while the master is idle is filled from the start before the next ack', async () => {
    const port = await freePort();
    const first = await startFromIni(brokerIni({ serverPort: port }, { role: 'sync-slave' }));
    const master = await start(brokerIni({}, { slave: `127.0.0.1:${port}`, checkSlaveIntervalInMills: 50 }));
    const producer = clientOf(master).producer();
    await eventually(() => master.replication.syncMaster!.status().connected, 'the master reaching its slave');
    for (let i = 0; i < 50; i += 1) await producer.send({ topic: 'replaced', data: `r${i}` });
    await first.stop();
    const second = await start(brokerIni({ serverPort: port }, { role: 'sync-slave' }));
    await eventually(
      () =>
        producer.send({ topic: 'replaced', data: 'after' }).then(
          () => true,
          () => false,
        ),
      'a put acked with the new slave',
    );
    assert.deepEqual(await logBytes(second.stores.find('replaced', 0)), await logBytes(master.stores.find('replaced', 0)));
  });

  it('refuses puts before storing anything while the slave is unreachable', async () => {
    const master = await start(brokerIni({}, { slave: '127.0.0.1:1', checkSlaveIntervalInMills: 50 }));
    await assert.rejects(
      clientOf(master).producer().send({ topic: 'orders', data: 'x' }),
      (e: unknown) => e instanceof BrokerError && e.status === 500 && /Slave is disconnected/.test(e.message),
    );
    assert.equal(master.stores.find('orders', 0), undefined, 'nothing stored');
  });

  it("catches a new slave up from the master's log before acking", async () => {
    const dataPath = tempDir('catchup');
    const plain = await startFromIni(brokerIni({ dataPath, maxSegmentSize: 4096 }));
    const producer = clientOf(plain).producer();
    for (let i = 0; i < 100; i += 1) await producer.send({ topic: 'history', data: `old-${i}-${'x'.repeat(100)}` });
    await plain.stop();
    const slave = await start(brokerIni({ maxSegmentSize: 4096 }, { role: 'sync-slave' }));
    const master = await start(brokerIni({ dataPath, maxSegmentSize: 4096 }, { slave: `127.0.0.1:${slave.port}` }));
    const sent = await clientOf(master).producer().send({ topic: 'history', data: 'new' });
    assert.ok(slave.stores.find('history', 0)!.writtenEnd > sent.offset);
    assert.deepEqual(await logBytes(slave.stores.find('history', 0)), await logBytes(master.stores.find('history', 0)));
  });
});
