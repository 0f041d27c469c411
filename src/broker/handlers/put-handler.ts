import { checksum } from '../../common/checksum.js';
import type { PutCommand } from '../../protocol/commands.js';
import { RECORD_HEADER_SIZE } from '../../protocol/record.js';
import { Status } from '../../protocol/status.js';
import type { AppendCallback } from '../../storage/log-append.js';
import type { PartitionStore } from '../../storage/partition-store.js';
import { TransactionRefusal, XaException } from '../transactions/xa-error.js';
import { StoreRefusal } from '../partition-stores.js';
import { ok, refused } from './outcome.js';
import type { StoredOutcome } from './outcome.js';
import { afterReplication, openFailed, sizeRefusal, storeRefusal, writeFailed, writeRefusal } from './put-admission.js';
import type { RequestContext } from './request-context.js';

/** `put`: store one message and answer `<msgId> <partition> <offset>` (docs/protocol.md, put; docs/storage.md). */
export function handlePut(command: PutCommand, request: RequestContext): void {
  const ctx = request.broker;
  const { topic, body } = command;
  const settings = ctx.stores.settings(topic);
  let partition = command.partition;
  if (partition === -1 && command.txKey === undefined && settings !== undefined) partition = Math.floor(Math.random() * settings.numPartitions);
  const refusal = writeRefusal(ctx, topic, partition, 1) ?? sizeRefusal(ctx, topic, partition, 1, body.length);
  if (refusal !== undefined) return request.answer(command, refusal);
  const crc = checksum(body);
  if (command.checksum !== -1 && command.checksum !== crc) {
    return request.answer(
      command,
      writeFailed(ctx, topic, partition, 1, Status.internalServerError, 'Checksum failure,message may be corrupted when transfering on networking.'),
    );
  }
  if (command.txKey !== undefined) return putInTransaction(command, crc, request);
  const traced = settings?.trace === true;
  // One lookup on the usual path: the store is open.
  const open = ctx.stores.find(topic, partition);
  if (open !== undefined) return appendPut(command, request, open, partition, crc, traced);
  const unopened = storeRefusal(ctx, topic, partition, 1);
  if (unopened !== undefined) return request.answer(command, unopened);
  Promise.resolve(ctx.stores.getOrCreate(topic, partition)).then(
    (log) => appendPut(command, request, log, partition, crc, traced),
    (error: unknown) => request.answer(command, openFailed(ctx, topic, partition, 1, error)),
  );
}

/** Append to an open log: the log's callback is the one closure a put costs. */
function appendPut(command: PutCommand, request: RequestContext, log: PartitionStore, partition: number, crc: number, traced: boolean): void {
  const ctx = request.broker;
  const id = ctx.ids.next();
  if (traced) ctx.traces?.produced(command.topic, partition, [id], request.client);
  const done: AppendCallback = (error, offset) => {
    if (error !== undefined) return request.answer(command, writeFailed(ctx, command.topic, partition, 1, Status.internalServerError, error.message));
    const stored: StoredOutcome = { kind: 'stored', id, partition, offset, count: -1, messages: 1, payloadBytes: command.body.length, retried: false };
    afterReplication(request, command, log, offset + RECORD_HEADER_SIZE + command.body.length, stored);
  };
  log.append({ kind: 'record', payload: command.body, flag: command.flag, id, checksum: crc, done });
}

/**
 * A transactional put is journaled and held until commit; the reply's offset is -1
 * (docs/transactions.md). Failures answer 500 with the reason alone, as MetaQ does.
 */
function putInTransaction(command: PutCommand, crc: number, request: RequestContext): void {
  const ctx = request.broker;
  const fail = (error: unknown): void => {
    if (!(error instanceof TransactionRefusal || error instanceof XaException || error instanceof StoreRefusal))
      ctx.logger.error({ component: 'put', err: error, tx: command.txKey }, 'transactional put failed');
    request.answer(command, refused(Status.internalServerError, error instanceof Error ? error.message : String(error), 'putFailed'));
  };
  try {
    const id = ctx.ids.next();
    ctx.transactions.put(request.owner, command, id, crc).then(() => request.answer(command, ok(`${id} ${command.partition} -1`)), fail);
  } catch (error) {
    fail(error);
  }
}
