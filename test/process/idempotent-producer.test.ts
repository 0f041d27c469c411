import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Broker } from '../../src/broker/broker.js';
import { ConnectionError, InvalidArgumentError, MetaqClient } from '../../src/client/index.js';
import { checksum } from '../../src/common/checksum.js';
import { ProtocolError } from '../../src/common/errors.js';
import { parseHeader } from '../../src/protocol/header-parser.js';
import { RECORD_HEADER_SIZE, writeRecordHeader } from '../../src/protocol/record.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { startBroker } from '../support/in-process-broker.js';
import { killAllBrokers, startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';
import { scanPartition, WireSession } from '../support/wire-client.js';

/** What a partition holds, read back over the wire. */
async function payloadsOf(port: number, topic: string, partition = 0): Promise<Array<{ offset: number; payload: string }>> {
  const session = await WireSession.open('127.0.0.1', port);
  try {
    return (await scanPartition(session, topic, partition)).map(({ offset, payload }) => ({ offset, payload }));
  } finally {
    await session.close();
  }
}

describe('idempotent producer: a retry after a lost reply stores nothing twice', () => {
  let broker: Broker;
  let proxy: FaultProxy;
  let client: MetaqClient;

  before(async () => {
    broker = await startBroker({}, '[topic=idem]\nnumPartitions=1\n[topic=plain]\nnumPartitions=1\n[topic=batch]\nnumPartitions=1\n');
    proxy = await FaultProxy.start({ host: '127.0.0.1', port: broker.port });
    client = new MetaqClient({ serverUrl: `meta://${proxy.address}`, partitions: { idem: 1, plain: 1, batch: 1 } });
  });
  after(async () => {
    await client.close();
    await proxy.close();
    await broker.stop();
  });

  it('answers a send whose reply was lost with the offset of its only copy', async () => {
    const producer = client.producer({ idempotent: true });
    assert.match(producer.producerId ?? '', /^[0-9a-f-]{36}$/);
    await producer.send({ topic: 'idem', data: 'm0' });
    await producer.publish('idem'); // the broker's extensions known: the next reply is the send's
    const lost = proxy.loseNextReply();
    const result = await producer.send({ topic: 'idem', data: 'm1' });
    await lost;
    const stored = await payloadsOf(broker.port, 'idem');
    assert.deepEqual(
      stored.map((r) => r.payload),
      ['m0', 'm1'],
      'stored once, though sent twice',
    );
    assert.equal(result.offset, stored[1]!.offset, 'the retry heard the original offset');
    assert.equal(broker.traffic.of('idem', 0).putRetries, 1);
  });

  it('does the same for a batch', async () => {
    const producer = client.producer({ idempotent: true });
    await producer.publish('batch');
    const lost = proxy.loseNextReply();
    const result = await producer.sendBatch(['b0', 'b1', 'b2'].map((data) => ({ topic: 'batch', data })));
    await lost;
    assert.deepEqual(
      (await payloadsOf(broker.port, 'batch')).map((r) => r.payload),
      ['b0', 'b1', 'b2'],
    );
    assert.equal(result.offset, 0);
  });

  it('without idempotence the same loss leaves the caller not knowing, and a resend stores twice', async () => {
    const producer = client.producer();
    await producer.send({ topic: 'plain', data: 'warm-up' });
    await producer.publish('plain');
    const lost = proxy.loseNextReply();
    await assert.rejects(producer.send({ topic: 'plain', data: 'p1' }), ConnectionError);
    await lost;
    await producer.send({ topic: 'plain', data: 'p1' });
    assert.deepEqual(
      (await payloadsOf(broker.port, 'plain')).map((r) => r.payload),
      ['warm-up', 'p1', 'p1'],
    );
  });

  it('refuses options it cannot honour, with the reason', async () => {
    assert.throws(
      () => client.producer({ idempotent: true, batching: false }),
      (error: Error) => error instanceof InvalidArgumentError && /needs batching/.test(error.message),
    );
    assert.throws(() => client.producer({ idempotent: true, failover: true }), /a retry must go to the partition of the first attempt/);
    assert.throws(() => client.producer({ idempotent: { retries: -1 } }), /idempotent.retries/);
    // The client asks the broker for the topic's partitions (stats num_partitions): a topic the
    // broker does not accept is refused by the broker, not for want of a partition.
    const producer = client.producer({ idempotent: true });
    await assert.rejects(producer.send({ topic: 'unknown', data: 'x' }), /do not accept topic unknown/);
  });

  it('refuses a malformed producer id or sequence on the wire', () => {
    const header = (id: string, sequence: string) => `mput t 0 10 1 ${id} ${sequence} 7`.split(' ');
    assert.deepEqual(parseHeader(header('p-1', '3')).command, {
      kind: 'mput',
      topic: 't',
      partition: 0,
      count: 1,
      producer: { id: 'p-1', sequence: 3 },
      opaque: 7,
      body: Buffer.alloc(0),
    });
    assert.throws(
      () => parseHeader(header('bad/id', '3')),
      (error: Error) => error instanceof ProtocolError && /producerId must be 1 to 64 characters/.test(error.message),
    );
    assert.throws(() => parseHeader(header('x'.repeat(65), '3')), /producerId must be 1 to 64/);
    assert.throws(() => parseHeader(header('p', '-1')), /sequence must not be negative/);
  });
});

/** One set of records (ids left to the broker), as a client builds it. */
function messageSet(payloads: string[]): Buffer {
  return Buffer.concat(
    payloads.map((text) => {
      const payload = Buffer.from(text);
      const record = Buffer.allocUnsafe(RECORD_HEADER_SIZE + payload.length);
      writeRecordHeader(record, 0, payload.length, checksum(payload), -1n, 0);
      payload.copy(record, RECORD_HEADER_SIZE);
      return record;
    }),
  );
}

describe('idempotent sets on the wire, across a kill -9', () => {
  after(killAllBrokers);

  it('answers a retried set with its original reply before and after the broker is killed, and refuses misuse', async () => {
    const dir = tempDir('idem');
    const config = writeConfig(dir, { dataPath: `${dir}/data`, numPartitions: 2 });
    let broker = await startBrokerProcess(config);
    let session = await WireSession.open('127.0.0.1', broker.port);
    const mput = async (sequence: number, payloads: string[], partition = 1) => {
      const reply = await session.request((opaque) => ({
        kind: 'mput',
        topic: 'w',
        partition,
        count: payloads.length,
        producer: { id: 'app-1', sequence },
        opaque,
        body: messageSet(payloads),
      }));
      return { code: reply.kind === 'result' ? reply.code : 0, text: reply.body.toString() };
    };
    const first = await mput(0, ['a', 'b']);
    assert.equal(first.code, 200);
    assert.deepEqual(await mput(0, ['a', 'b']), first, 'a retry gets the original reply');
    const second = await mput(1, ['c']);
    const reused = await mput(1, ['other', 'messages']);
    assert.equal(reused.code, 400);
    assert.match(reused.text, /a producer id must not be reused for different messages/);
    const anywhere = await mput(2, ['x'], -1);
    assert.equal(anywhere.code, 400);
    assert.match(anywhere.text, /an idempotent set must name its partition/);

    await session.close();
    const port = broker.port;
    await broker.kill('SIGKILL');
    broker = await startBrokerProcess(config, { port });
    session = await WireSession.open('127.0.0.1', broker.port);
    assert.deepEqual(await mput(0, ['a', 'b']), first, 'after kill -9');
    assert.deepEqual(await mput(1, ['c']), second);
    assert.equal((await mput(2, ['d'])).code, 200);
    assert.deepEqual(
      (await payloadsOf(broker.port, 'w', 1)).map((r) => r.payload),
      ['a', 'b', 'c', 'd'],
    );
    await session.close();
    await broker.kill('SIGTERM');
  });
});
