import { checksum } from '../../common/checksum.js';
import { StorageError } from '../../common/errors.js';
import type { PutCommand } from '../../protocol/commands.js';
import { encodeResult } from '../../protocol/encoder.js';
import { RECORD_HEADER_SIZE } from '../../protocol/record.js';
import { Status } from '../../protocol/status.js';
import type { PartitionLog } from '../../storage/partition-log.js';
import type { BrokerContext, ReplySink } from '../broker-context.js';
import type { TransactionOwner } from '../transactions/transaction.js';
import { TransactionRefusal, XaError } from '../transactions/xa-error.js';
import { StoreRefusal } from '../partition-stores.js';

/** `put`: store one message and answer `<msgId> <partition> <offset>` (§1.3.1, §2.4). */
export function handlePut(command: PutCommand, ctx: BrokerContext, reply: ReplySink, owner: TransactionOwner): void {
  ctx.counters.cmdPut += 1;
  const { topic, opaque } = command;
  const settings = ctx.stores.settings(topic);
  let partition = command.partition;
  if (partition === -1 && command.txKey === undefined && settings !== undefined) partition = Math.floor(Math.random() * settings.numPartitions);
  /** `where` names the party that failed: this broker, or its sync slave (MetaQ's samsa texts, §6.2). */
  const fail = (code: number, reason: string, where = `broker '${ctx.url()}'`): void => {
    ctx.counters.putFailed += 1;
    if (ctx.stores.find(topic, partition) !== undefined) ctx.traffic.of(topic, partition).putErrors += 1;
    if (settings?.stat) ctx.realtime.record('put_failed', topic);
    reply.send(encodeResult(code, opaque, `Put message to [${where}] [partition '${topic}-${partition}'] failed.Detail:${reason}`));
  };
  const acked = (id: bigint, offset: number): void => {
    const tally = ctx.traffic.of(topic, partition);
    tally.puts += 1;
    tally.putBytes += command.body.length;
    if (settings?.stat) {
      ctx.realtime.record('put', topic);
      ctx.realtime.record('message_size', topic, command.body.length);
    }
    reply.send(encodeResult(Status.success, opaque, `${id} ${partition} ${offset}`));
  };
  if (ctx.closed.isClosed(topic, partition)) {
    fail(Status.forbidden, `partition[${ctx.config.system.brokerId}-${partition}] has been closed`);
    return;
  }
  const fenced = ctx.fencedBecause();
  if (fenced !== undefined) {
    // 503, like a busy handler pool: nothing was stored, so the client may safely send elsewhere.
    fail(Status.serviceUnavailable, fenced);
    return;
  }
  const syncMaster = ctx.replication.syncMaster;
  const slaveRefusal = syncMaster?.admit(topic, partition);
  if (slaveRefusal !== undefined) {
    fail(Status.internalServerError, slaveRefusal);
    return;
  }
  const crc = checksum(command.body);
  if (command.checksum !== -1 && command.checksum !== crc) {
    fail(Status.internalServerError, 'Checksum failure,message may be corrupted when transfering on networking.');
    return;
  }
  if (command.txKey !== undefined) {
    putInTransaction(command, crc, ctx, reply, owner);
    return;
  }
  let store: PartitionLog | Promise<PartitionLog>;
  try {
    store = ctx.stores.getOrCreate(topic, partition);
  } catch (error) {
    if (error instanceof StoreRefusal) {
      fail(Status.internalServerError, error.message);
      return;
    }
    throw error;
  }
  const append = (log: PartitionLog): void => {
    const id = ctx.ids.next();
    log.append(command.body, command.flag, id, crc, (error, offset) => {
      if (error !== undefined) {
        fail(Status.internalServerError, error.message);
        return;
      }
      if (syncMaster === undefined) return acked(id, offset);
      // Sync replication: acknowledged only once the slave has it too (§6.2).
      syncMaster.whenReplicated(log, offset + RECORD_HEADER_SIZE + command.body.length, (replicationError) => {
        if (replicationError === undefined) acked(id, offset);
        else fail(Status.internalServerError, replicationError, `slave '${ctx.config.replication.slave}'`);
      });
    });
  };
  if (store instanceof Promise) {
    store.then(append, (error: unknown) => {
      ctx.logger.error({ component: 'put', err: error, topic, partition }, 'could not open partition store');
      fail(Status.internalServerError, error instanceof StorageError ? error.message : `could not open the partition store: ${String(error)}`);
    });
  } else append(store);
}

/**
 * A transactional put is journaled and held until commit; the reply's offset is -1 (§1.3.1).
 * Failures answer 500 with the reason alone, as MetaQ does.
 */
function putInTransaction(command: PutCommand, crc: number, ctx: BrokerContext, reply: ReplySink, owner: TransactionOwner): void {
  const fail = (error: unknown): void => {
    ctx.counters.putFailed += 1;
    if (!(error instanceof TransactionRefusal || error instanceof XaError || error instanceof StoreRefusal)) ctx.logger.error({ component: 'put', err: error, tx: command.txKey }, 'transactional put failed');
    reply.send(encodeResult(Status.internalServerError, command.opaque, error instanceof Error ? error.message : String(error)));
  };
  try {
    const id = ctx.ids.next();
    ctx.transactions.put(owner, command, id, crc).then(() => reply.send(encodeResult(Status.success, command.opaque, `${id} ${command.partition} -1`)), fail);
  } catch (error) {
    fail(error);
  }
}
