import { StorageError } from '../../common/errors.js';
import type { GetCommand } from '../../protocol/commands.js';
import { LONG_MAX_OFFSET } from '../../protocol/commands.js';
import { encodeResult } from '../../protocol/encoder.js';
import { Status } from '../../protocol/status.js';
import type { BrokerContext, ReplySink } from '../broker-context.js';

/** `get`: return the message-set bytes at an offset, following MetaQ's evaluation order (§1.3.2). */
export function handleGet(command: GetCommand, ctx: BrokerContext, reply: ReplySink, client = 'unknown'): void {
  ctx.counters.cmdGet += 1;
  const { topic, partition, offset, maxSize, opaque } = command;
  const log = ctx.stores.find(topic, partition);
  // Only existing partitions get counters: a client asking for made-up topics cannot grow them.
  const tally = log === undefined ? undefined : ctx.traffic.of(topic, partition);
  if (tally !== undefined) tally.gets += 1;
  const stat = ctx.stores.settings(topic)?.stat === true;
  if (stat) ctx.realtime.record('get', topic);
  const miss = (code: number, text: string): void => {
    ctx.counters.getMiss += 1;
    if (tally !== undefined) tally.getMisses += 1;
    if (code === Status.moved) ctx.counters.cmdOffset += 1;
    if (stat) ctx.realtime.record('get_miss', topic);
    reply.send(encodeResult(code, opaque, text));
  };
  if (ctx.closed.isClosed(topic, partition)) {
    reply.send(encodeResult(Status.forbidden, opaque, `Partition[${ctx.config.system.brokerId}-${partition}] has been closed`));
    return;
  }
  if (log === undefined || tally === undefined) {
    miss(Status.notFound, `The topic \`${topic}\` in partition \`${partition}\` is not exists`);
    return;
  }
  if (maxSize <= 0) {
    reply.send(encodeResult(Status.badRequest, opaque, `Bad request,invalid max size:${maxSize}`));
    return;
  }
  if (offset < log.minOffset) {
    miss(Status.moved, String(log.minOffset));
    return;
  }
  ctx.positions.record(command.group, topic, partition, offset, ctx.clock.wallMs(), client);
  const visible = ctx.replication.visibleEnd(log);
  if (offset >= visible) {
    if (offset > visible && (ctx.config.system.updateConsumerOffsets || offset === LONG_MAX_OFFSET)) miss(Status.moved, String(visible));
    else miss(Status.notFound, `Could not find message at position ${offset}`);
    return;
  }
  const length = Math.min(ctx.config.system.maxTransferSize, maxSize);
  const target = ctx.readBuffers.take(length);
  const giveBack = target === undefined ? undefined : (): void => ctx.readBuffers.give(target);
  log.read(offset, length, target).then(
    (bytes) => {
      // Read into the pooled buffer (from the file or the tail cache), it goes back once sent.
      const sent = bytes.length > 0 && bytes.buffer === target?.buffer ? giveBack : undefined;
      if (sent === undefined) giveBack?.();
      if (bytes.length === 0) miss(Status.notFound, `Could not find message at position ${offset}`);
      else {
        tally.getBytes += bytes.length;
        if (ctx.traces !== undefined && ctx.stores.settings(topic)?.trace === true) ctx.traces.delivered(topic, partition, offset, bytes, command.group, client);
        reply.send(Buffer.from(`value ${bytes.length} ${opaque}\r\n`), bytes, sent);
      }
    },
    (error: unknown) => {
      giveBack?.();
      if (!(error instanceof StorageError)) ctx.logger.error({ component: 'get', err: error, topic, partition, offset }, 'read failed');
      reply.send(encodeResult(Status.internalServerError, opaque, error instanceof Error ? error.message : String(error)));
    },
  );
}
