import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { BrokerError, ConnectionError, RequestTimeoutError } from '../../src/client/errors.js';
import type { Partition } from '../../src/client/message.js';
import type { PartitionRouter } from '../../src/client/partition-router.js';
import { LocalTransaction } from '../../src/client/producer/local-transaction.js';
import type { PartitionSelector } from '../../src/client/producer/partition-selector.js';
import { Producer } from '../../src/client/producer/producer.js';
import type { ProducerOptions } from '../../src/client/producer/producer.js';
import type { Command } from '../../src/protocol/commands.js';
import type { BrokerAddress } from '../../src/client/transport/broker-address.js';
import type { Reply } from '../../src/client/transport/broker-connection.js';
import type { BrokerTransport } from '../../src/client/transport/broker-transport.js';

type Answer = (command: Command) => Reply | Promise<Reply>;

const stored = (text: string): Reply => ({ kind: 'result', code: 200, opaque: 1, body: Buffer.from(text) });
const refused = (code: number, text: string): Reply => ({ kind: 'result', code, opaque: 1, body: Buffer.from(text) });

/** A broker that records every command and answers as `answer` says; `extensions` known from the start. */
class FakeBroker {
  readonly commands: Command[] = [];
  readonly address: BrokerAddress;
  readonly connection: BrokerTransport;

  constructor(
    readonly id: number,
    extensions: string[],
    public answer: Answer = () => stored(`7 0 ${id}`),
  ) {
    this.address = { host: '127.0.0.1', port: 9000 + id, url: `meta://127.0.0.1:${9000 + id}` };
    const offered: ReadonlySet<string> = new Set(extensions);
    this.connection = {
      address: this.address,
      knownExtensions: offered,
      extensions: () => Promise.resolve(offered),
      request: (build: (opaque: number) => Command) => {
        const command = build(1);
        this.commands.push(command);
        try {
          return Promise.resolve(this.answer(command));
        } catch (error) {
          return Promise.reject(error instanceof Error ? error : new Error(String(error)));
        }
      },
      post: () => undefined,
      close: () => Promise.resolve(),
    };
  }

  kinds(): string[] {
    return this.commands.map((c) =>
      c.kind === 'transaction' ? `transaction ${c.type}` : c.kind === 'put' ? `put ${c.partition}${c.txKey === undefined ? '' : ' tx'}` : c.kind,
    );
  }
}

/** A producer over `brokers`, whose topic `t` has `partitions` (known, or looked up by `lookup`). */
function producerOver(brokers: FakeBroker[], partitions: Partition[], options: ProducerOptions = {}, lookup?: () => Promise<readonly Partition[]>): Producer {
  const byId = new Map(brokers.map((b) => [b.id, b]));
  const router: PartitionRouter = {
    partitions: lookup ?? (() => Promise.resolve(partitions)),
    knownPartitions: () => (lookup === undefined ? partitions : undefined),
    broker: (p) => byId.get(p.brokerId)!.address,
    readBroker: (p) => Promise.resolve(byId.get(p.brokerId)!.address),
    allBrokers: () => Promise.resolve(brokers.map((b) => b.address)),
    close: () => Promise.resolve(),
  };
  return new Producer({ router, connection: (address) => brokers.find((b) => b.address.url === address.url)!.connection }, options);
}

/** Whether `promise` settled within the current turn's microtasks and one more turn. */
async function settledSoon(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await nextTurn();
  return settled;
}

const first: PartitionSelector = (_topic, partitions) => partitions[0]!;

describe('the producer send plan', () => {
  it('puts the sends of one turn into one set, and close() waits for its answer', async () => {
    let answer!: (reply: Reply) => void;
    const broker = new FakeBroker(0, ['+mput'], () => new Promise<Reply>((resolve) => (answer = resolve)));
    const producer = producerOver([broker], [{ brokerId: 0, index: 0 }]);
    const sends = [producer.send({ topic: 't', data: 'a' }), producer.send({ topic: 't', data: 'b' })];
    const closing = producer.close();
    await nextTurn(); // the set leaves once the turn's sends are in
    assert.deepEqual(broker.kinds(), ['mput']);
    assert.equal(await settledSoon(closing), false, 'two sends are in flight');
    answer(stored('100 0 40'));
    const results = await Promise.all(sends);
    assert.deepEqual(
      results.map((r) => r.offset),
      [40, 40 + 20 + 1],
    );
    assert.equal(await settledSoon(closing), true);
    await assert.rejects(producer.send({ topic: 't', data: 'late' }), /closed/);
  });

  it('retries a 503 once on another broker, and the send stays in flight until the retry ends', async () => {
    let answer!: (reply: Reply) => void;
    const fenced = new FakeBroker(0, ['+mput'], () => refused(503, 'fenced'));
    const other = new FakeBroker(1, ['+mput'], () => new Promise<Reply>((resolve) => (answer = resolve)));
    const producer = producerOver(
      [fenced, other],
      [
        { brokerId: 0, index: 0 },
        { brokerId: 1, index: 0 },
      ],
      { selector: first },
    );
    const sending = producer.send({ topic: 't', data: 'a' });
    const closing = producer.close();
    await nextTurn();
    await nextTurn(); // the set to broker 0 was refused; the retry's set leaves
    assert.deepEqual([fenced.kinds(), other.kinds()], [['mput'], ['mput']]);
    assert.equal(await settledSoon(closing), false, 'the retry holds the send in flight');
    answer(stored('5 0 0'));
    assert.deepEqual((await sending).partition, { brokerId: 1, index: 0 });
    assert.equal(await settledSoon(closing), true);
  });

  it('does not retry a 503 when failover is off, nor for a named partition', async () => {
    const fenced = new FakeBroker(0, [], () => refused(503, 'fenced'));
    const other = new FakeBroker(1, []);
    const partitions = [
      { brokerId: 0, index: 0 },
      { brokerId: 1, index: 0 },
    ];
    const off = producerOver([fenced, other], partitions, { selector: first, failover: false });
    await assert.rejects(off.send({ topic: 't', data: 'a' }), (e: unknown) => e instanceof BrokerError && e.status === 503);
    const named = producerOver([fenced, other], partitions);
    await assert.rejects(named.send({ topic: 't', data: 'a' }, { partition: partitions[0] }), (e: unknown) => e instanceof BrokerError && e.status === 503);
    assert.deepEqual(other.kinds(), []);
  });

  it('asks the selector once per send: round robin to a broker without sets takes every partition in turn', async () => {
    const metaq = new FakeBroker(0, []);
    const producer = producerOver(
      [metaq],
      [0, 1, 2].map((index) => ({ brokerId: 0, index })),
    );
    for (let n = 0; n < 6; n += 1) await producer.send({ topic: 't', data: `m${n}` });
    assert.deepEqual(metaq.kinds(), ['put 1', 'put 2', 'put 0', 'put 1', 'put 2', 'put 0']);
  });

  it('sends with a signal, and every send of a producer without batching, as single puts', async () => {
    const broker = new FakeBroker(0, ['+mput']);
    const partitions = [{ brokerId: 0, index: 0 }];
    await producerOver([broker], partitions).send({ topic: 't', data: 'a' }, { signal: new AbortController().signal });
    await producerOver([broker], partitions, { batching: false }).send({ topic: 't', data: 'b' });
    assert.deepEqual(broker.kinds(), ['put 0', 'put 0']);
  });

  it('counts every send in flight until its outcome, however it ends', async () => {
    const failures = [new RequestTimeoutError('send', 10), new ConnectionError('gone')];
    const broker = new FakeBroker(0, [], () => {
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
      return refused(500, 'no such topic');
    });
    const producer = producerOver([broker], [{ brokerId: 0, index: 0 }]);
    const outcomes = await Promise.allSettled([
      producer.send({ topic: 't', data: 'timeout' }),
      producer.send({ topic: 't', data: 'lost' }),
      producer.send({ topic: 't', data: 'refused' }),
      producer.send({ topic: 'bad topic', data: 'x' }),
      producer.send({ topic: 't', data: 'x' }, { timeoutMs: -1 }),
      new Promise((resolve, reject) => producer.sendNoWait({ topic: 't', data: 'cb' }, (error) => (error === undefined ? resolve(undefined) : reject(error)))),
    ]);
    assert.deepEqual(
      outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).name : 'stored')),
      ['RequestTimeoutError', 'ConnectionError', 'BrokerError', 'InvalidArgumentError', 'InvalidArgumentError', 'BrokerError'],
    );
    const lookupFails = producerOver([broker], [], {}, () => Promise.reject(new ConnectionError('no ZooKeeper')));
    await assert.rejects(lookupFails.send({ topic: 't', data: 'x' }), /no ZooKeeper/);
    const throwingSelector = producerOver([broker], [{ brokerId: 0, index: 0 }], {
      selector: () => {
        throw new Error('selector failed');
      },
    });
    await assert.rejects(throwingSelector.send({ topic: 't', data: 'x' }), /selector failed/);
    for (const p of [producer, lookupFails, throwingSelector]) assert.equal(await settledSoon(p.close()), true, 'nothing left in flight');
  });

  it('a local transaction: BEGIN before the first put, every put in it, COMMIT after the last', async () => {
    const broker = new FakeBroker(0, ['+mput'], (command) => (command.kind === 'transaction' ? stored('') : stored('7 0 -1')));
    const producer = producerOver(
      [broker],
      [
        { brokerId: 0, index: 0 },
        { brokerId: 0, index: 1 },
      ],
      { selector: first },
    );
    producer.beginTransaction();
    const sends = [producer.send({ topic: 't', data: 'a' }), producer.send({ topic: 't', data: 'b' })];
    const committing = producer.commit();
    assert.equal(producer.inTransaction, false);
    await Promise.all([...sends, committing]);
    assert.deepEqual(broker.kinds(), ['transaction BEGIN', 'put 0 tx', 'put 0 tx', 'transaction COMMIT_ONE_PHASE']);
    await producer.send({ topic: 't', data: 'after' });
    assert.deepEqual(broker.kinds().slice(4), ['mput'], 'outside the transaction again');
  });
});

describe('the local transaction state machine', () => {
  it('new → begun → ending → ended, and nothing else', async () => {
    const broker = new FakeBroker(0, [], () => stored(''));
    const tx = new LocalTransaction('TX:s:1', 's', 0, 1000);
    assert.equal(tx.state, 'new');
    await tx.begin(broker.connection);
    assert.equal(tx.state, 'begun');
    assert.equal(tx.broker?.url, broker.address.url);
    assert.throws(() => tx.begin(broker.connection), /cannot go from begun to begun/);
    const ending = tx.end('ROLLBACK');
    assert.equal(tx.state, 'ending');
    await ending;
    assert.equal(tx.state, 'ended');
    await assert.rejects(tx.end('ROLLBACK'), /cannot go from ended to ending/);
    assert.deepEqual(broker.kinds(), ['transaction BEGIN', 'transaction ROLLBACK']);
  });

  it('ends without a word to any broker when nothing was sent', async () => {
    const tx = new LocalTransaction('TX:s:2', 's', 0, 1000);
    await tx.end('COMMIT_ONE_PHASE');
    assert.equal(tx.state, 'ended');
    assert.equal(tx.broker, undefined);
  });

  it('ends even when the broker does not answer the commit', async () => {
    const broker = new FakeBroker(0, [], (command) => {
      if (command.kind === 'transaction' && command.type === 'COMMIT_ONE_PHASE') throw new RequestTimeoutError('commit', 10);
      return stored('');
    });
    const tx = new LocalTransaction('TX:s:3', 's', 0, 1000);
    await tx.begin(broker.connection);
    await assert.rejects(tx.end('COMMIT_ONE_PHASE'), (e: unknown) => (e as Error).name === 'TransactionStateUnknownError');
    assert.equal(tx.state, 'ended');
  });
});
