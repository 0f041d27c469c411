import { StorageError } from '../../common/errors.js';
import { Status } from '../../protocol/status.js';
import type { PartitionStore } from '../../storage/partition-store.js';
import { encodeResult } from '../../protocol/encoder.js';
import type { BrokerContext, ReplySink } from '../broker-context.js';
import { StoreRefusal } from '../partition-stores.js';

/** Answers a failed write: status, reason, and who failed (this broker, or its sync slave). */
export type PutFailure = (code: number, reason: string, where?: string) => void;

/** The failure reply of `put` and `mput`, counted, in MetaQ's text (docs/protocol.md; samsa's for the slave, docs/replication.md). */
export function putFailure(ctx: BrokerContext, reply: ReplySink, topic: string, partition: number, opaque: number): PutFailure {
  return (code, reason, where = `broker '${ctx.url()}'`) => {
    ctx.counters.putFailed += 1;
    if (ctx.stores.find(topic, partition) !== undefined) ctx.traffic.of(topic, partition).putErrors += 1;
    if (ctx.stores.settings(topic)?.stat) ctx.realtime.record('put_failed', topic);
    reply.send(encodeResult(code, opaque, `Put message to [${where}] [partition '${topic}-${partition}'] failed.Detail:${reason}`));
  };
}

/**
 * Whether a message of `payloadBytes` fits the topic's maxMessageSize (0: no limit but the
 * request size); a refusal answers 400 saying both sizes and is counted.
 */
export function fitsMessageSize(ctx: BrokerContext, topic: string, payloadBytes: number, fail: PutFailure): boolean {
  const limit = ctx.stores.settings(topic)?.maxMessageSize ?? 0;
  if (limit === 0 || payloadBytes <= limit) return true;
  ctx.counters.oversizedMessages += 1;
  fail(Status.badRequest, `a message of ${payloadBytes} bytes is larger than topic ${topic}'s maxMessageSize of ${limit} bytes; split it, or raise maxMessageSize for the topic`);
  return false;
}

/** Count `count` stored messages of `bytes` payload bytes (traffic, realtime stats). */
export function countPuts(ctx: BrokerContext, topic: string, partition: number, count: number, bytes: number): void {
  const tally = ctx.traffic.of(topic, partition);
  tally.puts += count;
  tally.putBytes += bytes;
  if (ctx.stores.settings(topic)?.stat) {
    ctx.realtime.record('put', topic, count, count);
    ctx.realtime.record('message_size', topic, bytes, count);
  }
}

/**
 * The checks every write to a partition passes before anything is stored, shared by `put` and
 * `mput`: a closed partition (403), a fenced broker (503: nothing stored, the client may go
 * elsewhere), a sync slave that cannot take it (500). False when the write was refused.
 */
export function admitWrite(ctx: BrokerContext, topic: string, partition: number, fail: PutFailure): boolean {
  if (ctx.closed.isClosed(topic, partition)) {
    fail(Status.forbidden, `partition[${ctx.config.system.brokerId}-${partition}] has been closed`);
    return false;
  }
  const fenced = ctx.fencedBecause();
  if (fenced !== undefined) {
    fail(Status.serviceUnavailable, fenced);
    return false;
  }
  const slaveRefusal = ctx.replication.syncMaster?.admit(topic, partition);
  if (slaveRefusal !== undefined) {
    fail(Status.internalServerError, slaveRefusal);
    return false;
  }
  return true;
}

/**
 * Run `write` with the partition's log, opening it first if needed; a store that cannot open is a
 * 500. `budgeted: false` skips maxTopics/maxPartitions, for records accepted earlier (see getOrCreate).
 */
export function withLog(ctx: BrokerContext, topic: string, partition: number, fail: PutFailure, write: (log: PartitionStore) => void, budgeted = true): void {
  let store: PartitionStore | Promise<PartitionStore>;
  try {
    store = ctx.stores.getOrCreate(topic, partition, budgeted);
  } catch (error) {
    if (error instanceof StoreRefusal) {
      fail(Status.internalServerError, error.message);
      return;
    }
    throw error;
  }
  if (store instanceof Promise) {
    store.then(write, (error: unknown) => {
      ctx.logger.error({ component: 'put', err: error, topic, partition }, 'could not open partition store');
      fail(Status.internalServerError, error instanceof StorageError ? error.message : `could not open the partition store: ${String(error)}`);
    });
  } else write(store);
}

/** Acknowledge a write once the sync slave holds everything before `end` (docs/replication.md); at once without one. */
export function afterReplication(ctx: BrokerContext, log: PartitionStore, end: number, ack: () => void, fail: PutFailure): void {
  const syncMaster = ctx.replication.syncMaster;
  if (syncMaster === undefined) {
    ack();
    return;
  }
  syncMaster.whenReplicated(log, end, (replicationError) => {
    if (replicationError === undefined) ack();
    else fail(Status.internalServerError, replicationError, `slave '${ctx.config.replication.slave}'`);
  });
}
