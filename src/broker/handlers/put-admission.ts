import { StorageError } from '../../common/errors.js';
import type { Command } from '../../protocol/commands.js';
import { Status } from '../../protocol/status.js';
import type { PartitionStore } from '../../storage/partition-store.js';
import type { BrokerContext } from '../broker-context.js';
import { StoreRefusal } from '../partition-stores.js';
import type { StoredOutcome, WriteFailedOutcome } from './outcome.js';
import type { RequestContext } from './request-context.js';

/**
 * The failure of `put`, `mput` or `dput`, in MetaQ's text (docs/storage.md; the sync slave's
 * wording is samsa's, docs/replication.md). `where` is who failed: this broker, or its sync slave.
 */
export function writeFailed(
  ctx: BrokerContext,
  topic: string,
  partition: number,
  messages: number,
  status: number,
  reason: string,
  where = `broker '${ctx.url()}'`,
): WriteFailedOutcome {
  return {
    kind: 'writeFailed',
    status,
    text: `Put message to [${where}] [partition '${topic}-${partition}'] failed.Detail:${reason}`,
    partition,
    messages,
    oversized: false,
  };
}

/**
 * Undefined when a message of `payloadBytes` fits the topic's maxMessageSize (0: no limit but the
 * request size), else a 400 saying both sizes.
 */
export function sizeRefusal(ctx: BrokerContext, topic: string, partition: number, messages: number, payloadBytes: number): WriteFailedOutcome | undefined {
  const limit = ctx.stores.settings(topic)?.maxMessageSize ?? 0;
  if (limit === 0 || payloadBytes <= limit) return undefined;
  const refusal = writeFailed(
    ctx,
    topic,
    partition,
    messages,
    Status.badRequest,
    `a message of ${payloadBytes} bytes is larger than topic ${topic}'s maxMessageSize of ${limit} bytes; split it, or raise maxMessageSize for the topic`,
  );
  refusal.oversized = true;
  return refusal;
}

/**
 * The checks every write to a partition passes before anything is stored, shared by `put`,
 * `mput` and `dput`: a closed partition (403), a fenced broker (503: nothing stored, the client
 * may go elsewhere), a sync slave that cannot take it (500). Undefined when the write may go on.
 */
export function writeRefusal(ctx: BrokerContext, topic: string, partition: number, messages: number): WriteFailedOutcome | undefined {
  if (ctx.closed.isClosed(topic, partition))
    return writeFailed(ctx, topic, partition, messages, Status.forbidden, `partition[${ctx.config.system.brokerId}-${partition}] has been closed`);
  const moving = ctx.moveFences.refusal(topic, partition);
  if (moving !== undefined) return writeFailed(ctx, topic, partition, messages, Status.serviceUnavailable, moving);
  const fenced = ctx.fencedBecause();
  if (fenced !== undefined) return writeFailed(ctx, topic, partition, messages, Status.serviceUnavailable, fenced);
  const slaveRefusal = ctx.replication.syncMaster?.admit(topic, partition);
  if (slaveRefusal !== undefined) return writeFailed(ctx, topic, partition, messages, Status.internalServerError, slaveRefusal);
  return undefined;
}

/**
 * For a partition whose store is not open yet: undefined when it may be created (then
 * `getOrCreate` opens it), else a 500 saying why. `budgeted: false` skips maxTopics/maxPartitions, for records accepted
 * earlier (see checkAccepts).
 */
export function storeRefusal(ctx: BrokerContext, topic: string, partition: number, messages: number, budgeted = true): WriteFailedOutcome | undefined {
  try {
    ctx.stores.checkAccepts(topic, partition, budgeted);
    return undefined;
  } catch (error) {
    if (!(error instanceof StoreRefusal)) throw error;
    return writeFailed(ctx, topic, partition, messages, Status.internalServerError, error.message);
  }
}

/** A store that could not be opened: logged, and a 500 saying why. */
export function openFailed(ctx: BrokerContext, topic: string, partition: number, messages: number, error: unknown): WriteFailedOutcome {
  ctx.logger.error({ component: 'put', err: error, topic, partition }, 'could not open partition store');
  return writeFailed(
    ctx,
    topic,
    partition,
    messages,
    Status.internalServerError,
    error instanceof StorageError ? error.message : `could not open the partition store: ${String(error)}`,
  );
}

/**
 * Answer a stored write once the sync slave holds everything before `end` (docs/replication.md);
 * at once without one.
 */
export function afterReplication(request: RequestContext, command: Command & { topic: string }, log: PartitionStore, end: number, stored: StoredOutcome): void {
  if (request.broker.replication.syncMaster === undefined) return request.answer(command, stored);
  whenReplicated(request.broker, log, command.topic, stored.partition, stored.messages, end, (failure) => request.answer(command, failure ?? stored));
}

/** Call `done` once the sync slave holds everything before `end`, with the failure when it cannot; at once without one. */
export function whenReplicated(
  ctx: BrokerContext,
  log: PartitionStore,
  topic: string,
  partition: number,
  messages: number,
  end: number,
  done: (failure: WriteFailedOutcome | undefined) => void,
): void {
  const syncMaster = ctx.replication.syncMaster;
  if (syncMaster === undefined) return done(undefined);
  syncMaster.whenReplicated(log, end, (replicationError) => {
    done(
      replicationError === undefined
        ? undefined
        : writeFailed(ctx, topic, partition, messages, Status.internalServerError, replicationError, `slave '${ctx.config.replication.slave}'`),
    );
  });
}
