import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Broker } from '../../src/broker/broker.js';
import { checksum } from '../../src/common/checksum.js';
import type { Command, ResultCommand, ValueCommand } from '../../src/protocol/commands.js';
import { encodePayload } from '../../src/protocol/payload.js';
import { encodeRecord, RECORD_HEADER_SIZE } from '../../src/protocol/record.js';
import type { Reshaping } from '../support/fault-proxy.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { startBroker } from '../support/in-process-broker.js';
import { WireSession } from '../support/wire-client.js';

type Request = (opaque: number) => Command;
const TOPIC = 'k12';
const PARTITIONS = 4;
const WINDOW = 64;

/** A payload of a size that crosses every interesting boundary: tiny, a header's worth, a socket read's worth. */
function payloadOf(i: number): Buffer {
  const size = [0, 1, 7, 19, 20, 21, 100, 1023, 4096, 70_000][i % 10]!;
  return Buffer.alloc(size, String.fromCharCode(97 + (i % 26)));
}

/** Everything a producer connection sends, for the partitions it owns: puts (some with attributes, one with a bad checksum) and sets. */
function produceRequests(partitions: number[], count: number): Request[] {
  return Array.from({ length: count }, (_, i): Request => {
    const partition = partitions[i % partitions.length]!;
    if (i % 7 === 3) {
      const body = Buffer.concat(Array.from({ length: 1 + (i % 5) }, (_, n) => encodeRecord(payloadOf(i + n), -1n, 0)));
      return (opaque) => ({ kind: 'mput', topic: TOPIC, partition, count: 1 + (i % 5), opaque, body });
    }
    const { payload, flag } = i % 5 === 1 ? encodePayload(payloadOf(i), `attr-${i}`) : { payload: payloadOf(i), flag: 0 };
    const crc = i === 57 ? checksum(payload) ^ 1 : checksum(payload);
    return (opaque) => ({ kind: 'put', topic: TOPIC, partition, flag, checksum: crc, txKey: undefined, opaque, body: payload });
  });
}

/** Reads once producing is over, at acked offsets: small and large fetches, offsets, misses. */
function readRequests(acked: number[][]): Request[] {
  const reads: Request[] = [];
  acked.forEach((offsets, partition) => {
    for (const maxSize of [97, 4096, 1024 * 1024]) {
      for (const offset of offsets.filter((_, i) => i % 4 === 0))
        reads.push((opaque) => ({ kind: 'get', topic: TOPIC, group: 'g', partition, offset, maxSize, opaque }));
    }
    const end = Math.max(0, ...offsets);
    reads.push((opaque) => ({ kind: 'offset', topic: TOPIC, group: 'g', partition, offset: Math.floor(end / 2), opaque }));
    reads.push((opaque) => ({ kind: 'get', topic: TOPIC, group: 'g', partition, offset: end + 1000, maxSize: 1024, opaque }));
  });
  reads.push((opaque) => ({ kind: 'get', topic: 'no-such-topic', group: 'g', partition: 0, offset: 0, maxSize: 1024, opaque }));
  reads.push((opaque) => ({ kind: 'get', topic: TOPIC, group: 'g', partition: 0, offset: 0, maxSize: 0, opaque }));
  return reads;
}

/** Send requests pipelined, WINDOW at a time; the replies in request order. */
async function pipelined(session: WireSession, requests: Request[]): Promise<Array<ResultCommand | ValueCommand>> {
  const replies: Array<Promise<ResultCommand | ValueCommand>> = [];
  for (const [i, request] of requests.entries()) {
    replies.push(session.request(request));
    if (i >= WINDOW) await replies[i - WINDOW];
  }
  return Promise.all(replies);
}

/**
 * A reply as text, ids and broker addresses masked: a message id carries the time its broker
 * stored it and errors name the broker, so two runs differ there and nowhere else.
 */
function normalize(reply: ResultCommand | ValueCommand): string {
  if (reply.kind === 'result') {
    const text = reply.body.toString('latin1').replace(/meta:\/\/[\d.]+:\d+/g, '<broker>');
    return `result ${reply.code} ${reply.code === 200 && /^-?\d+ \d+ \d+/.test(text) ? text.replace(/^-?\d+/, '<id>') : text}`;
  }
  // Every record's id, the last one's too where the fetch size cut it short.
  const set = Buffer.from(reply.body);
  for (let pos = 0; pos + 16 <= set.length; pos += RECORD_HEADER_SIZE + set.readInt32BE(pos)) set.fill(0, pos + 8, pos + 16);
  return `value ${set.toString('hex')}`;
}

/** The whole workload against one broker port: two producer connections, then one reader. */
async function workload(port: number): Promise<string[]> {
  const producers = await Promise.all([WireSession.open('127.0.0.1', port), WireSession.open('127.0.0.1', port)]);
  const produced = await Promise.all([pipelined(producers[0], produceRequests([0, 1], 300)), pipelined(producers[1], produceRequests([2, 3], 300))]);
  await Promise.all(producers.map((session) => session.close()));
  const acked: number[][] = Array.from({ length: PARTITIONS }, () => []);
  for (const reply of produced.flat()) {
    const [, partition, offset] = reply.kind === 'result' && reply.code === 200 ? reply.body.toString().split(' ').map(Number) : [];
    if (partition !== undefined && offset !== undefined) acked[partition]!.push(offset);
  }
  const reader = await WireSession.open('127.0.0.1', port);
  const read = await pipelined(reader, readRequests(acked));
  await reader.close();
  return [...produced.flat(), ...read].map(normalize);
}

describe('K12 segments split, coalesced and delayed on the way (fault proxy)', () => {
  const brokers: Broker[] = [];
  const proxies: FaultProxy[] = [];
  const system = { numPartitions: PARTITIONS, maxSegmentSize: 512 * 1024 };
  let direct: string[] = [];
  /** The workload against a fresh broker through a fresh proxy. */
  const throughProxy = async (reshaping: Reshaping): Promise<{ replies: string[]; proxy: FaultProxy }> => {
    const broker = await startBroker(system);
    brokers.push(broker);
    const proxy = await FaultProxy.start({ host: '127.0.0.1', port: broker.port });
    proxies.push(proxy);
    proxy.reshape(reshaping);
    return { replies: await workload(proxy.port), proxy };
  };
  before(async () => {
    brokers.push(await startBroker(system));
    direct = await workload(brokers[0]!.port);
  });
  after(async () => {
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await Promise.all(brokers.map((broker) => broker.stop()));
  });

  it('every reply is byte for byte what the same requests get without the proxy', { timeout: 120_000 }, async () => {
    const { replies, proxy } = await throughProxy({ maxDelayMs: 2 });
    console.log(`# K12 ${direct.length} requests; the proxy passed ${proxy.piecesPassed} pieces, ${proxy.tinyPieces} of at most 8 bytes`);
    assert.ok(proxy.tinyPieces > direct.length / 4, 'the proxy split the stream into small pieces');
    assert.ok(direct.filter((r) => r.startsWith('value')).length > 100, 'the reads returned data');
    assert.ok(
      direct.some((r) => r.startsWith('result 200 <id>')) && direct.some((r) => !r.startsWith('result 200') && r.startsWith('result')),
      'acks and refusals both happened',
    );
    assert.equal(replies.length, direct.length);
    for (const [i, reply] of direct.entries()) assert.equal(replies[i], reply, `reply ${i} differs through the proxy`);
  });

  it('negative control: one bit flipped on the way to the client is caught', { timeout: 120_000 }, async () => {
    const outcome = await throughProxy({ maxDelayMs: 2, flipBitDownAfter: 300_000 }).then(
      ({ replies }) => replies,
      (error: unknown) => error,
    );
    const caught = outcome instanceof Error || (outcome as string[]).some((reply, i) => reply !== direct[i]);
    assert.ok(caught, 'the comparison (or the decoder) must notice the flipped bit');
  });
});
