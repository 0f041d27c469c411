import type { PutSetCommand } from '../../protocol/commands.js';
import { stampSet } from './message-set-stamp.js';
import { Status } from '../../protocol/status.js';
import { idAfter } from '../../common/id-generator.js';
import type { AppendCallback } from '../../storage/log-append.js';
import type { PartitionStore } from '../../storage/partition-store.js';
import type { StoredOutcome } from './outcome.js';
import { afterReplication, openFailed, sizeRefusal, storeRefusal, writeFailed, writeRefusal } from './put-admission.js';
import type { RequestContext } from './request-context.js';

/** `mput` (metaq extension): store a set of records for one partition with one write. */
export function handlePutSet(command: PutSetCommand, request: RequestContext): void {
  const ctx = request.broker;
  const { topic, count, producer } = command;
  const settings = ctx.stores.settings(topic);
  if (producer !== undefined && command.partition < 0) {
    return request.answer(
      command,
      writeFailed(
        ctx,
        topic,
        command.partition,
        count,
        Status.badRequest,
        'an idempotent set must name its partition: its sequence numbers belong to one partition',
      ),
    );
  }
  const partition = command.partition === -1 && settings !== undefined ? Math.floor(Math.random() * settings.numPartitions) : command.partition;
  const refused = writeRefusal(ctx, topic, partition, count);
  if (refused !== undefined) return request.answer(command, refused);
  const traced = settings?.trace === true;
  // One lookup on the usual path: the store is open.
  const open = ctx.stores.find(topic, partition);
  if (open !== undefined) return writeSet(command, request, open, partition, traced);
  const unopened = storeRefusal(ctx, topic, partition, count);
  if (unopened !== undefined) return request.answer(command, unopened);
  Promise.resolve(ctx.stores.getOrCreate(topic, partition)).then(
    (log) => writeSet(command, request, log, partition, traced),
    (error: unknown) => request.answer(command, openFailed(ctx, topic, partition, count, error)),
  );
}

/** A plain set is stamped and appended; an idempotent producer's set is stored once. */
function writeSet(command: PutSetCommand, request: RequestContext, log: PartitionStore, partition: number, traced: boolean): void {
  const { producer } = command;
  if (producer === undefined) storeSet(command, request, log, partition, traced);
  else storeOnce(command, request, log, partition, producer, traced);
}

/** Stamp the set's ids and append it; answered once stored (and replicated). */
function storeSet(command: PutSetCommand, request: RequestContext, log: PartitionStore, partition: number, traced: boolean): void {
  const ctx = request.broker;
  const { topic, count, body, producer } = command;
  const stamped = stampSet(body, count, (ids) => ctx.ids.nextBlock(ids));
  if (typeof stamped === 'string') return request.answer(command, writeFailed(ctx, topic, partition, count, Status.internalServerError, stamped));
  const oversized = sizeRefusal(ctx, topic, partition, count, stamped.largestPayload);
  if (oversized !== undefined) return request.answer(command, oversized);
  if (traced)
    ctx.traces?.produced(
      topic,
      partition,
      Array.from({ length: count }, (_, n) => idAfter(stamped.firstId, n)),
      request.client,
    );
  const stored: AppendCallback = (error, offset) => {
    if (error !== undefined) return request.answer(command, writeFailed(ctx, topic, partition, stamped.messages, Status.internalServerError, error.message));
    const outcome: StoredOutcome = {
      kind: 'stored',
      id: stamped.firstId,
      partition,
      offset,
      count,
      messages: stamped.messages,
      payloadBytes: stamped.payloadBytes,
      retried: false,
    };
    afterReplication(request, command, log, offset + body.length, outcome);
  };
  if (producer === undefined)
    log.append({ kind: 'framed', set: body, records: count, latestTimeMs: stamped.latestTimeMs, release: () => ctx.setBodies.give(body), done: stored });
  else
    log.append({
      kind: 'idempotent',
      set: body,
      records: count,
      producer: { ...producer, firstId: stamped.firstId },
      latestTimeMs: stamped.latestTimeMs,
      done: stored,
    });
}

/** An idempotent set is stored once: a retry is answered as the original was (Kafka's producer state). */
function storeOnce(
  command: PutSetCommand,
  request: RequestContext,
  log: PartitionStore,
  partition: number,
  producer: { id: string; sequence: number },
  traced: boolean,
): void {
  const ctx = request.broker;
  const { topic, count, body } = command;
  const admission = log.admitSet(producer.id, producer.sequence, count, body.length);
  if (admission.kind === 'new') return storeSet(command, request, log, partition, traced);
  if (admission.kind === 'refused') return request.answer(command, writeFailed(ctx, topic, partition, count, Status.badRequest, admission.reason));
  admission.outcome((outcome) => {
    if (!('stored' in outcome)) return storeOnce(command, request, log, partition, producer, traced); // the first attempt failed: this one may store it
    const retried: StoredOutcome = {
      kind: 'stored',
      id: outcome.stored.firstId,
      partition,
      offset: outcome.stored.offset,
      count,
      messages: count,
      payloadBytes: 0,
      retried: true,
    };
    afterReplication(request, command, log, outcome.stored.offset + body.length, retried);
  });
}
