import { IdBlockWriter } from '../../common/id-generator.js';
import type { PutSetCommand } from '../../protocol/commands.js';
import { encodeResult } from '../../protocol/encoder.js';
import { RECORD_HEADER_SIZE, validRecordSize } from '../../protocol/record.js';
import { innerCount, isCompressedSet } from '../../protocol/compressed-set.js';
import { Status } from '../../protocol/status.js';
import type { AppendCallback, PartitionLog } from '../../storage/partition-log.js';
import type { BrokerContext, ReplySink } from '../broker-context.js';
import { admitWrite, afterReplication, countPuts, putFailure, withLog } from './put-admission.js';

/** The largest number of messages one compressed record may claim (it reserves that many ids). */
const MAX_INNER_MESSAGES = 1_000_000;

/**
 * Check that `set` is exactly `count` whole records with good checksums and write each one's id
 * into it; a reason when it is not. A compressed set (one record holding many messages) takes
 * as many ids as it holds messages, so the n-th id after the first belongs to the n-th message
 * of the whole set, compressed or not (`idAfter`).
 */
function stampSet(set: Buffer, count: number, takeIds: (count: number) => bigint): { firstId: bigint; messages: number; payloadBytes: number; latestTimeMs: number } | string {
  let pos = 0;
  let records = 0;
  let payloadBytes = 0;
  let ids = 0;
  while (pos < set.length) {
    const size = validRecordSize(set, pos);
    if (size === 0) return `record ${records} at byte ${pos} is incomplete or fails its checksum; nothing of this set was stored`;
    if (isCompressedSet(set.readInt32BE(pos + 16))) {
      const inner = innerCount(set.subarray(pos + RECORD_HEADER_SIZE, pos + size));
      if (inner < 1 || inner > MAX_INNER_MESSAGES) return `record ${records} is a compressed set claiming ${inner} messages (1 to ${MAX_INNER_MESSAGES}); nothing of this set was stored`;
      ids += inner;
    } else ids += 1;
    records += 1;
    payloadBytes += size - RECORD_HEADER_SIZE;
    pos += size;
  }
  if (records !== count) return `the header says ${count} records but the body holds ${records}; nothing of this set was stored`;
  const first = takeIds(ids);
  const writer = new IdBlockWriter(first);
  // Ids are stamped in place: the set goes to disk as it arrived, with no per-record copy.
  for (let n = 0, at = 0; at < set.length; at += RECORD_HEADER_SIZE + set.readInt32BE(at)) {
    writer.write(set, at + 8, n);
    n += isCompressedSet(set.readInt32BE(at + 16)) ? innerCount(set.subarray(at + RECORD_HEADER_SIZE)) : 1;
  }
  return { firstId: first, messages: ids, payloadBytes, latestTimeMs: writer.timeMsOf(ids - 1) };
}

/** `mput` (metaq extension): store a set of records for one partition with one write. */
export function handlePutSet(command: PutSetCommand, ctx: BrokerContext, reply: ReplySink): void {
  const { topic, opaque, count, body, producer } = command;
  // Counted per message, so cmd_put means the same whether clients batch or not.
  ctx.counters.cmdPut += count;
  const settings = ctx.stores.settings(topic);
  if (producer !== undefined && command.partition < 0) {
    putFailure(ctx, reply, topic, command.partition, opaque)(Status.badRequest, 'an idempotent set must name its partition: its sequence numbers belong to one partition');
    return;
  }
  const partition = command.partition === -1 && settings !== undefined ? Math.floor(Math.random() * settings.numPartitions) : command.partition;
  const fail = putFailure(ctx, reply, topic, partition, opaque);
  if (!admitWrite(ctx, topic, partition, fail)) return;
  const answer = (log: PartitionLog, firstId: bigint, offset: number, after: () => void): void => {
    afterReplication(ctx, log, offset + body.length, () => {
      after();
      reply.send(encodeResult(Status.success, opaque, `${firstId} ${partition} ${offset} ${count}`));
    }, fail);
  };
  const store = (log: PartitionLog): void => {
    const stamped = stampSet(body, count, (ids) => ctx.ids.nextBlock(ids));
    if (typeof stamped === 'string') {
      fail(Status.internalServerError, stamped);
      return;
    }
    ctx.counters.cmdPut += stamped.messages - count; // a compressed record holds many messages
    const stored: AppendCallback = (error, offset) => {
      if (error !== undefined) fail(Status.internalServerError, error.message);
      else answer(log, stamped.firstId, offset, () => countPuts(ctx, topic, partition, stamped.messages, stamped.payloadBytes));
    };
    if (producer === undefined) log.appendFramed(body, count, stored, stamped.latestTimeMs);
    else log.appendIdempotent(body, count, { ...producer, firstId: stamped.firstId }, stored, stamped.latestTimeMs);
  };
  // An idempotent set is stored once: a retry is answered as the original was (Kafka's producer state).
  const storeOnce = (log: PartitionLog, { id, sequence }: { id: string; sequence: number }): void => {
    const admission = log.admitSet(id, sequence, count, body.length);
    if (admission.kind === 'new') store(log);
    else if (admission.kind === 'refused') fail(Status.badRequest, admission.reason);
    else {
      admission.outcome((outcome) => {
        if (!('stored' in outcome)) storeOnce(log, { id, sequence }); // the first attempt failed: this one may store it
        else answer(log, outcome.stored.firstId, outcome.stored.offset, () => (ctx.traffic.of(topic, partition).putRetries += 1));
      });
    }
  };
  withLog(ctx, topic, partition, fail, (log) => (producer === undefined ? store(log) : storeOnce(log, producer)));
}
