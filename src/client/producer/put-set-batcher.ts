import { idAfter } from '../../common/id-generator.js';
import { checksum } from '../../common/checksum.js';
import { BufferPool } from '../../common/buffer-pool.js';
import type { Codec } from '../../protocol/compressed-set.js';
import { packSet } from '../../protocol/compressed-set.js';
import { RECORD_HEADER_SIZE, writeRecordHeader } from '../../protocol/record.js';
import { decodePutSetReply } from '../../protocol/commands/put-set.js';
import { isOutcomeUnknown } from '../errors.js';
import type { Partition, SendResult } from '../message.js';
import type { BrokerTransport } from '../transport/broker-transport.js';

export interface BatchingOptions {
  /** How long a set waits for more messages after the first; 0: until the current turn's sends are in. */
  lingerMs: number;
  /** A set is sent once it would grow past this many bytes (before compression). */
  maxBatchBytes: number;
  /**
   * A set is sent once it holds this many messages, even below `maxBatchBytes`: small messages
   * then travel in several sets, and the broker stores the first while the rest are gathered.
   */
  maxBatchMessages: number;
  /** Compress each set into one record (stored compressed, expanded by consumers); none by default. */
  compression?: Codec;
}

/** A message ready for the wire: the producer's output, a put's or a set's input. */
export interface EncodedPut {
  topic: string;
  payload: Buffer;
  flag: number;
  crc: number;
  timeoutMs: number;
}

export const defaultBatching: BatchingOptions = { lingerMs: 0, maxBatchBytes: 256 * 1024, maxBatchMessages: 512 };

/** Hears how one send ended: an error, or where its message was stored. */
export interface SendListener {
  done(error: Error | undefined, result?: SendResult): void;
}

interface OpenSet {
  connection: BrokerTransport;
  topic: string;
  partition: Partition;
  /** The set being built: records are written straight into it. */
  buffer: Buffer;
  bytes: number;
  /** One per record, in the set's order. */
  listeners: SendListener[];
  timeoutMs: number;
  /** The linger timer (`lingerMs` > 0). */
  timer: NodeJS.Timeout | undefined;
}

/** A new set's buffer, doubled from a slab as it grows, up to `SLAB_SET_BYTES`. */
const INITIAL_SET_BYTES = 2048;

/** Sets up to this size live in shared slabs; a larger one moves to a full-size buffer, reused (`BufferPool`). */
const SLAB_SET_BYTES = 32 * 1024;

const SLAB_BYTES = 1024 * 1024;

/**
 * Carves set buffers out of 1 MiB slabs. With sends spread over thousands of partitions most
 * sets hold a few messages: a buffer of their own each (or a full-size one once they outgrew
 * the first) was most of the producer's garbage. A slab is collected once its sets are.
 */
class SetSlab {
  /** Allocated with the first set: a producer that never batches holds none. */
  private slab: Buffer | undefined;
  private used = 0;

  take(bytes: number): Buffer {
    if (this.slab === undefined || this.used + bytes > SLAB_BYTES) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.used = 0;
    }
    const view = this.slab.subarray(this.used, this.used + bytes);
    this.used += (bytes + 7) & ~7;
    return view;
  }
}

/** Idle full-size set buffers kept for the next busy sets. */
const IDLE_SET_BUFFERS = 8;

/** The placeholder id of a record in a set (-1 as a 64-bit value): the broker writes the real one. */
const UNASSIGNED_ID = -1;

/** Write `put` as a record with an unassigned id at `at` of `buffer` (the layout `mput` carries). */
export function writeUnstampedRecord(buffer: Buffer, at: number, put: EncodedPut): void {
  const { payload, crc, flag } = put;
  buffer.writeInt32BE(payload.length, at);
  buffer.writeInt32BE(crc, at + 4);
  buffer.writeInt32BE(UNASSIGNED_ID, at + 8); // the 64-bit id, -1 in both halves
  buffer.writeInt32BE(UNASSIGNED_ID, at + 12);
  buffer.writeInt32BE(flag, at + 16);
  payload.copy(buffer, at + RECORD_HEADER_SIZE);
}

/** What the broker answers an `mput`: the first message's id, the partition and the set's offset. */
export interface SetReply {
  firstId: bigint;
  partition: number;
  firstOffset: number;
}

/**
 * An idempotent producer's sets: each set of a partition gets the next number of that
 * partition's sequence, and a set whose outcome is unknown (timeout, lost connection) is sent
 * again with the same number, up to `retries` times; the broker stores it once.
 */
export class IdempotentSequences {
  private readonly next = new Map<string, number>();

  constructor(
    readonly producerId: string,
    readonly retries: number,
  ) {}

  /** The next set's number on partition `index` of broker `brokerId`. */
  take(topic: string, brokerId: number, index: number): number {
    const key = `${topic} ${brokerId} ${index}`;
    const sequence = this.next.get(key) ?? 0;
    this.next.set(key, sequence + 1);
    return sequence;
  }
}

/** An idempotent set's name: the producer's id and sequences, and the set's number. */
export interface SetIdentity {
  sequences: IdempotentSequences;
  sequence: number;
}

/**
 * Send one set (compressed into one record when a codec is given) and read the broker's answer.
 * An idempotent set is sent again while its outcome is unknown, under the same name.
 */
export async function sendSet(
  connection: BrokerTransport,
  topic: string,
  partition: number,
  records: Buffer,
  count: number,
  codec: Codec | undefined,
  timeoutMs: number,
  identity?: SetIdentity,
): Promise<SetReply> {
  const body = codec === undefined ? records : compressedRecord(records, count, codec);
  const producer = identity === undefined ? undefined : { id: identity.sequences.producerId, sequence: identity.sequence };
  const request = (): ReturnType<BrokerTransport['request']> =>
    connection.request((opaque) => ({ kind: 'mput', topic, partition, count: codec === undefined ? count : 1, producer, opaque, body }), timeoutMs, 'send');
  let reply = undefined;
  for (let attempt = 0; reply === undefined; attempt += 1) {
    try {
      reply = await request();
    } catch (error) {
      const unknownOutcome = isOutcomeUnknown(error);
      if (identity === undefined || !unknownOutcome || attempt >= identity.sequences.retries) throw error;
    }
  }
  return decodePutSetReply(reply);
}

/**
 * `puts` as consecutive sets of at most `maxBatchBytes` each (a larger record goes alone), in
 * buffers from `buffers` where it has them.
 */
function splitIntoSets(puts: readonly EncodedPut[], maxBatchBytes: number, buffers: BufferPool): Array<{ records: Buffer; count: number }> {
  const sets: Array<{ records: Buffer; count: number }> = [];
  for (let from = 0; from < puts.length;) {
    let bytes = 0;
    let to = from;
    while (to < puts.length && (to === from || bytes + RECORD_HEADER_SIZE + puts[to]!.payload.length <= maxBatchBytes))
      bytes += RECORD_HEADER_SIZE + puts[to++]!.payload.length;
    const records = (buffers.take(bytes) ?? Buffer.allocUnsafe(bytes)).subarray(0, bytes);
    for (let n = from, at = 0; n < to; at += RECORD_HEADER_SIZE + puts[n]!.payload.length, n += 1) writeUnstampedRecord(records, at, puts[n]!);
    sets.push({ records, count: to - from });
    from = to;
  }
  return sets;
}

/** A whole set as one record holding it compressed. */
function compressedRecord(records: Buffer, count: number, codec: Codec): Buffer {
  const { payload, flag } = packSet(records, count, codec);
  const record = Buffer.allocUnsafe(RECORD_HEADER_SIZE + payload.length);
  writeRecordHeader(record, 0, payload.length, checksum(payload), -1n, flag);
  payload.copy(record, RECORD_HEADER_SIZE);
  return record;
}

/**
 * Gathers a producer's sends per partition into message sets and sends each set as one `mput`
 * (the negotiated batched put): a set goes when it reaches `maxBatchBytes` or `lingerMs` after
 * its first message (with 0, once the sends of the current turn are in). Each send hears its own
 * offset and id, worked out from the set's first ones; a failed set fails all its sends.
 */
export class PutSetBatcher {
  /** Open sets by connection, topic and partition index (nested maps: no key string per send). */
  private readonly open = new WeakMap<BrokerTransport, Map<string, Map<number, OpenSet>>>();
  /**
   * Full-size buffers for sets that outgrow their first 16 KiB: growing by doubling copied a
   * 256 KiB set's bytes again on the way (240 KiB) and faulted in a fresh buffer each time (the
   * client's largest item at 1 KiB). Given back once the broker acknowledged the set: a failed
   * set's frame may still wait in a reconnect queue, so its buffer is left to the collector.
   */
  private readonly fullSets: BufferPool;
  private readonly slab = new SetSlab();
  /** Sets to send at the end of this turn (`lingerMs` 0), in the order they were opened. */
  private dueAtTurnEnd: OpenSet[] = [];

  constructor(
    readonly options: BatchingOptions,
    /** Set for an idempotent producer: every set is named and retried until its outcome is known. */
    readonly idempotence?: IdempotentSequences,
    /** Hears a set's refusal once, before its listeners (the producer's stale-partition check). */
    private readonly refused: (topic: string, error: Error) => void = () => undefined,
  ) {
    this.fullSets = new BufferPool(options.maxBatchBytes, IDLE_SET_BUFFERS);
  }

  /** The name of the next set for `partition` (idempotent producers only). */
  identify(topic: string, partition: Partition): SetIdentity | undefined {
    const sequences = this.idempotence;
    return sequences === undefined ? undefined : { sequences, sequence: sequences.take(topic, partition.brokerId, partition.index) };
  }

  /** Add one message to its partition's open set; `listener` hears its own result when the set is answered. */
  add(connection: BrokerTransport, partition: Partition, put: EncodedPut, listener: SendListener): void {
    const { topic, payload, timeoutMs } = put;
    const size = RECORD_HEADER_SIZE + payload.length;
    const sets = this.setsOf(connection, topic);
    let set = sets.get(partition.index);
    if (set !== undefined && (set.bytes + size > this.options.maxBatchBytes || set.listeners.length >= this.options.maxBatchMessages)) {
      this.flush(set);
      set = undefined;
    }
    if (set === undefined) {
      // One buffer per set, grown by doubling: a lone send does not pay for a full set.
      set = {
        connection,
        topic,
        partition,
        buffer: this.setBuffer(Math.max(size, Math.min(INITIAL_SET_BYTES, this.options.maxBatchBytes))),
        bytes: 0,
        listeners: [],
        timeoutMs,
        timer: undefined,
      };
      sets.set(partition.index, set);
      const scheduled = set;
      if (this.options.lingerMs > 0) set.timer = setTimeout(() => this.flush(scheduled), this.options.lingerMs);
      else this.flushAtTurnEnd(set);
    }
    const at = set.bytes;
    if (at + size > set.buffer.length) {
      const grown = this.setBuffer(Math.max(at + size, Math.min(set.buffer.length * 2, this.options.maxBatchBytes)));
      set.buffer.copy(grown, 0, 0, at);
      set.buffer = grown;
    }
    writeUnstampedRecord(set.buffer, at, put);
    set.bytes += size;
    set.timeoutMs = Math.max(set.timeoutMs, timeoutMs);
    set.listeners.push(listener);
  }

  /**
   * A batch (`sendBatch`) as sets in reused buffers: a fresh 256 KiB buffer is faulted in page by
   * page as it is filled (the copy into it took 13 % of a 1 KiB `sendBatch` producer). Hand each
   * set to `recycle` once the broker has answered it.
   */
  split(puts: readonly EncodedPut[]): Array<{ records: Buffer; count: number }> {
    return splitIntoSets(puts, this.options.maxBatchBytes, this.fullSets);
  }

  /** A set from `split` the broker has answered: its buffer can hold the next one. */
  recycle(records: Buffer): void {
    this.fullSets.give(records);
  }

  /**
   * Send `set` once this turn's sends are in. One immediate sends every set opened in the turn:
   * with a thousand partitions, an immediate each meant a thousand socket writes a turn.
   */
  private flushAtTurnEnd(set: OpenSet): void {
    this.dueAtTurnEnd.push(set);
    if (this.dueAtTurnEnd.length === 1) setImmediate(this.flushDue);
  }

  private readonly flushDue = (): void => {
    const due = this.dueAtTurnEnd;
    this.dueAtTurnEnd = [];
    for (let i = 0; i < due.length; i += 1) this.flush(due[i]!);
  };

  /** A buffer for a set of `bytes`: from a slab while small, else a full-size one. */
  private setBuffer(bytes: number): Buffer {
    if (bytes <= SLAB_SET_BYTES) return this.slab.take(bytes);
    return this.fullSets.take(this.options.maxBatchBytes) ?? Buffer.allocUnsafe(bytes);
  }

  /** Send the partition's open set now, so what is sent next on that partition comes after it. */
  flushPartition(connection: BrokerTransport, topic: string, index: number): void {
    const set = this.open.get(connection)?.get(topic)?.get(index);
    if (set !== undefined) this.flush(set);
  }

  /** The open sets of one topic on one connection, by partition index (-1: the broker picks). */
  private setsOf(connection: BrokerTransport, topic: string): Map<number, OpenSet> {
    let topics = this.open.get(connection);
    if (topics === undefined) {
      topics = new Map();
      this.open.set(connection, topics);
    }
    let sets = topics.get(topic);
    if (sets === undefined) {
      sets = new Map();
      topics.set(topic, sets);
    }
    return sets;
  }

  private flush(set: OpenSet): void {
    const sets = this.open.get(set.connection)?.get(set.topic);
    if (sets?.get(set.partition.index) !== set) return; // already sent
    sets.delete(set.partition.index);
    if (set.timer !== undefined) clearTimeout(set.timer);
    const { connection, topic, partition, listeners, buffer } = set;
    const codec = this.options.compression;
    sendSet(connection, topic, partition.index, buffer.subarray(0, set.bytes), listeners.length, codec, set.timeoutMs, this.identify(topic, partition)).then(
      ({ firstId: first, partition: index, firstOffset }) => {
        const stored = { brokerId: Math.max(0, partition.brokerId), index };
        // Within the first id's millisecond the n-th id is first + n; idAfter handles the carry.
        const room = 0xfff - Number(first & 0xfffn);
        let id = first;
        let at = 0; // where the n-th record starts in the set, read back from the set's record lengths
        for (let n = 0; n < listeners.length; n += 1) {
          if (n > 0) id = n <= room ? id + 1n : idAfter(first, n);
          // Compressed, every message shares the one record's offset.
          listeners[n]!.done(undefined, { id, partition: stored, offset: codec === undefined ? firstOffset + at : firstOffset });
          at += RECORD_HEADER_SIZE + buffer.readInt32BE(at);
        }
        this.fullSets.give(buffer); // acknowledged: the frame was read by the broker
      },
      (error: Error) => {
        this.refused(topic, error);
        for (const listener of listeners) listener.done(error);
      },
    );
  }
}
