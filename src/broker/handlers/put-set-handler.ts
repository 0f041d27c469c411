import type { PutSetCommand } from '../../protocol/commands.js';
import { stampSet } from './message-set-stamp.js';
import { Status } from '../../protocol/status.js';
import { idAfter } from '../../common/id-generator.js';
import type { AppendCallback } from '../../storage/log-append.js';
import type { PartitionStore } from '../../storage/partition-store.js';
import type { BrokerContext, ReplySink } from '../broker-context.js';
import { admitWrite, afterReplication, countPuts, fitsMessageSize, putFailure, withLog } from './put-admission.js';

/** `mput` (metaq extension): store a set of records for one partition with one write. */
export function handlePutSet(command: PutSetCommand, ctx: BrokerContext, reply: ReplySink, client: string): void {
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
  const answer = (log: PartitionStore, firstId: bigint, offset: number, after: () => void): void => {
    afterReplication(ctx, log, offset + body.length, () => {
      after();
      reply.stored(opaque, firstId, partition, offset, count);
    }, fail);
  };
  const store = (log: PartitionStore): void => {
    const stamped = stampSet(body, count, (ids) => ctx.ids.nextBlock(ids));
    if (typeof stamped === 'string') {
      fail(Status.internalServerError, stamped);
      return;
    }
    if (!fitsMessageSize(ctx, topic, stamped.largestPayload, fail)) return;
    ctx.counters.cmdPut += stamped.messages - count; // a compressed record holds many messages
    if (settings?.trace === true) ctx.traces?.produced(topic, partition, Array.from({ length: count }, (_, n) => idAfter(stamped.firstId, n)), client);
    const stored: AppendCallback = (error, offset) => {
      if (error !== undefined) fail(Status.internalServerError, error.message);
      else answer(log, stamped.firstId, offset, () => countPuts(ctx, topic, partition, stamped.messages, stamped.payloadBytes));
    };
    if (producer === undefined) log.append({ kind: 'framed', set: body, records: count, latestTimeMs: stamped.latestTimeMs, release: () => ctx.setBodies.give(body), done: stored });
    else log.append({ kind: 'idempotent', set: body, records: count, producer: { ...producer, firstId: stamped.firstId }, latestTimeMs: stamped.latestTimeMs, done: stored });
  };
  // An idempotent set is stored once: a retry is answered as the original was (Kafka's producer state).
  const storeOnce = (log: PartitionStore, { id, sequence }: { id: string; sequence: number }): void => {
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
