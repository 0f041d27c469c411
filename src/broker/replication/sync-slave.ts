import { RECORD_HEADER_SIZE } from '../../protocol/record.js';
import { checksum } from '../../common/checksum.js';
import { StorageError } from '../../common/errors.js';
import type { SyncCommand, SyncEndCommand } from '../../protocol/commands.js';
import { Status } from '../../protocol/status.js';
import type { PartitionStore } from '../../storage/partition-store.js';
import { ok, refused } from '../handlers/outcome.js';
import type { RequestContext } from '../handlers/request-context.js';

/** The stream of a partition whose master's connection closed: frames wait for the next `syncend`. */
const ENDED = {};

interface ReplicaState {
  /**
   * The connection whose `syncend` opened the current stream; frames from any other are stale.
   * Undefined only for partitions fed by a MetaQ master, which never sends `syncend`.
   */
  stream: object | undefined;
  /** A frame failed: later frames would land at the wrong offsets until the master resynchronises. */
  broken: string | undefined;
  /** Where the next frame of the current stream lands (set by `syncend`); a frame naming another offset is refused. */
  nextOffset: number | undefined;
}

/**
 * The slave side of sync replication (MetaQ's gregor, docs/replication.md): `sync` frames are appended with the
 * master's message id, flag and checksum, in the order they arrive, so the copy holds the
 * master's bytes at the master's offsets. After a frame fails, the partition accepts nothing
 * more until the master asks where the copy ends (`syncend`) and resends from there. Frames from
 * a MetaQ master, which never sends `syncend`, are appended as MetaQ's slave does.
 */
export class SyncSlave {
  private readonly replicas = new Map<string, ReplicaState>();
  /** Set once promoted: frames from the former master are refused from then on. */
  promotedAt: number | undefined;

  /** A `sync` frame on the connection `request.owner` (the master's stream). */
  handleSync(command: SyncCommand, request: RequestContext): void {
    const { broker: ctx, owner: from } = request;
    const { topic, partition } = command;
    const fail = (code: number, reason: string, breaks = true): void => {
      const state = this.replicas.get(`${topic}-${partition}`);
      if (breaks && state !== undefined) state.broken ??= reason;
      request.answer(command, refused(code, `Sync message to [slave '${ctx.url()}'] [partition '${topic}-${partition}'] failed.Detail:${reason}`, 'putFailed'));
    };
    if (this.promotedAt !== undefined)
      return fail(Status.serviceUnavailable, `this broker was promoted to master (epoch ${this.promotedAt}) and no longer accepts sync frames`, false);
    if (ctx.closed.isClosed(topic, partition)) return fail(Status.forbidden, `partition[${ctx.config.system.brokerId}-${partition}] has been closed`);
    const state = this.replicas.get(`${topic}-${partition}`);
    if (state?.stream !== undefined && state.stream !== from)
      return fail(Status.internalServerError, 'a frame from a replication stream that was replaced; resynchronise with syncend', false);
    if (state?.broken !== undefined) return fail(Status.internalServerError, `an earlier frame failed (${state.broken}); resynchronise with syncend`, false);
    if (command.offset !== undefined && state?.nextOffset !== undefined) {
      // Checked as frames arrive, before anything is stored: a record can never land elsewhere than on the master.
      if (command.offset !== state.nextOffset)
        return fail(
          Status.internalServerError,
          `the record the master has at ${command.offset} does not follow this copy, which ends at ${state.nextOffset}; resynchronise with syncend`,
        );
      state.nextOffset += RECORD_HEADER_SIZE + command.body.length;
    }
    const crc = checksum(command.body);
    if (command.checksum !== -1 && command.checksum !== crc)
      return fail(Status.internalServerError, 'Checksum failure,message may be corrupted when transfering on networking.');
    const append = (log: PartitionStore): void =>
      log.append({
        kind: 'record',
        payload: command.body,
        flag: command.flag,
        id: command.msgId,
        checksum: crc,
        done: (error, offset) => {
          if (error !== undefined) return fail(Status.internalServerError, error.message);
          request.answer(command, ok(`${command.msgId} ${partition} ${offset}`));
        },
      });
    const store = ctx.stores.getOrCreateReplica(topic, partition, 0);
    if (store instanceof Promise)
      store.then(append, (error: unknown) => fail(Status.internalServerError, error instanceof StorageError ? error.message : String(error)));
    else append(store);
  }

  /** Open (or reopen) the stream of one partition: create it at the master's start if missing, answer where the copy ends. */
  handleSyncEnd(command: SyncEndCommand, request: RequestContext): void {
    const { broker: ctx, owner: from } = request;
    const { topic, partition } = command;
    if (this.promotedAt !== undefined) {
      request.answer(command, refused(Status.serviceUnavailable, `this broker was promoted to master (epoch ${this.promotedAt}) and is nobody's slave now`));
      return;
    }
    const key = `${topic}-${partition}`;
    const state: ReplicaState = this.replicas.get(key) ?? { stream: undefined, broken: undefined, nextOffset: undefined };
    this.replicas.set(key, state);
    state.stream = from; // frames still queued from an older stream are refused from now on
    const answer = async (log: PartitionStore): Promise<void> => {
      await log.whenWritten(); // frames already accepted land before the end is reported
      if (state.stream !== from) throw new StorageError('REPLACED', 'a newer syncend replaced this stream');
      state.broken = undefined;
      state.nextOffset = log.writtenEnd;
      request.answer(command, ok(String(log.writtenEnd)));
    };
    Promise.resolve(ctx.stores.getOrCreateReplica(topic, partition, command.startOffset))
      .then(answer)
      .catch((error: unknown) => request.answer(command, refused(Status.internalServerError, error instanceof Error ? error.message : String(error))));
  }

  /** The master's connection closed: its stream ends with it, and the next one starts with `syncend`. */
  connectionClosed(from: object): void {
    for (const state of this.replicas.values()) if (state.stream === from) state.stream = ENDED;
  }
}
