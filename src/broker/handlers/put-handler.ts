import { checksum } from '../../common/checksum.js';
import type { PutCommand } from '../../protocol/commands.js';
import { encodeResult } from '../../protocol/encoder.js';
import { RECORD_HEADER_SIZE } from '../../protocol/record.js';
import { Status } from '../../protocol/status.js';
import type { BrokerContext, ReplySink } from '../broker-context.js';
import type { TransactionOwner } from '../transactions/transaction.js';
import { TransactionRefusal, XaException } from '../transactions/xa-error.js';
import { StoreRefusal } from '../partition-stores.js';
import { admitWrite, afterReplication, countPuts, fitsMessageSize, putFailure, withLog } from './put-admission.js';

/** `put`: store one message and answer `<msgId> <partition> <offset>` (§1.3.1, §2.4). */
export function handlePut(command: PutCommand, ctx: BrokerContext, reply: ReplySink, owner: TransactionOwner, client: string): void {
  ctx.counters.cmdPut += 1;
  const { topic, opaque } = command;
  const settings = ctx.stores.settings(topic);
  let partition = command.partition;
  if (partition === -1 && command.txKey === undefined && settings !== undefined) partition = Math.floor(Math.random() * settings.numPartitions);
  const fail = putFailure(ctx, reply, topic, partition, opaque);
  const acked = (id: bigint, offset: number): void => {
    countPuts(ctx, topic, partition, 1, command.body.length);
    reply.stored(opaque, id, partition, offset);
  };
  if (!admitWrite(ctx, topic, partition, fail)) return;
  if (!fitsMessageSize(ctx, topic, command.body.length, fail)) return;
  const crc = checksum(command.body);
  if (command.checksum !== -1 && command.checksum !== crc) {
    fail(Status.internalServerError, 'Checksum failure,message may be corrupted when transfering on networking.');
    return;
  }
  if (command.txKey !== undefined) {
    putInTransaction(command, crc, ctx, reply, owner);
    return;
  }
  withLog(ctx, topic, partition, fail, (log) => {
    const id = ctx.ids.next();
    if (settings?.trace === true) ctx.traces?.produced(topic, partition, [id], client);
    log.append(command.body, command.flag, id, crc, (error, offset) => {
      if (error !== undefined) fail(Status.internalServerError, error.message);
      else afterReplication(ctx, log, offset + RECORD_HEADER_SIZE + command.body.length, () => acked(id, offset), fail);
    });
  });
}

/**
 * A transactional put is journaled and held until commit; the reply's offset is -1 (§1.3.1).
 * Failures answer 500 with the reason alone, as MetaQ does.
 */
function putInTransaction(command: PutCommand, crc: number, ctx: BrokerContext, reply: ReplySink, owner: TransactionOwner): void {
  const fail = (error: unknown): void => {
    ctx.counters.putFailed += 1;
    if (!(error instanceof TransactionRefusal || error instanceof XaException || error instanceof StoreRefusal)) ctx.logger.error({ component: 'put', err: error, tx: command.txKey }, 'transactional put failed');
    reply.send(encodeResult(Status.internalServerError, command.opaque, error instanceof Error ? error.message : String(error)));
  };
  try {
    const id = ctx.ids.next();
    ctx.transactions.put(owner, command, id, crc).then(() => reply.send(encodeResult(Status.success, command.opaque, `${id} ${command.partition} -1`)), fail);
  } catch (error) {
    fail(error);
  }
}
