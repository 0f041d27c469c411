import { StorageError } from '../../common/errors.js';
import type { GetCommand } from '../../protocol/commands.js';
import { LONG_MAX_OFFSET } from '../../protocol/commands.js';
import { Status } from '../../protocol/status.js';
import { refused } from './outcome.js';
import type { RequestContext } from './request-context.js';

/** `get`: return the message-set bytes at an offset, following MetaQ's evaluation order (docs/protocol.md, get). */
export function handleGet(command: GetCommand, request: RequestContext): void {
  const ctx = request.broker;
  const { topic, partition, offset, maxSize } = command;
  const log = ctx.stores.find(topic, partition);
  if (ctx.closed.isClosed(topic, partition))
    return request.answer(command, refused(Status.forbidden, `Partition[${ctx.config.system.brokerId}-${partition}] has been closed`));
  if (log === undefined) return request.answer(command, refused(Status.notFound, `The topic \`${topic}\` in partition \`${partition}\` is not exists`, 'miss'));
  if (maxSize <= 0) return request.answer(command, refused(Status.badRequest, `Bad request,invalid max size:${maxSize}`));
  if (offset < log.minOffset) return request.answer(command, refused(Status.moved, String(log.minOffset), 'miss'));
  ctx.positions.record(command.group, topic, partition, offset, ctx.clock.wallMs(), request.client);
  const visible = ctx.replication.visibleEnd(log);
  if (offset >= visible) {
    if (offset > visible && (ctx.config.system.updateConsumerOffsets || offset === LONG_MAX_OFFSET))
      return request.answer(command, refused(Status.moved, String(visible), 'miss'));
    return request.answer(command, refused(Status.notFound, `Could not find message at position ${offset}`, 'miss'));
  }
  const length = Math.min(ctx.config.system.maxTransferSize, maxSize);
  const target = ctx.readBuffers.take(length);
  const giveBack = target === undefined ? undefined : (): void => ctx.readBuffers.give(target);
  log.read(offset, length, target).then(
    (bytes) => {
      // Read into the pooled buffer (from the file or the tail cache), it goes back once sent.
      const release = bytes.length > 0 && bytes.buffer === target?.buffer ? giveBack : undefined;
      if (release === undefined) giveBack?.();
      if (bytes.length === 0) return request.answer(command, refused(Status.notFound, `Could not find message at position ${offset}`, 'miss'));
      if (ctx.traces !== undefined && ctx.stores.settings(topic)?.trace === true)
        ctx.traces.delivered(topic, partition, offset, bytes, command.group, request.client);
      request.answer(command, { kind: 'messages', bytes, release });
    },
    (error: unknown) => {
      giveBack?.();
      if (!(error instanceof StorageError)) ctx.logger.error({ component: 'get', err: error, topic, partition, offset }, 'read failed');
      request.answer(command, refused(Status.internalServerError, error instanceof Error ? error.message : String(error)));
    },
  );
}
