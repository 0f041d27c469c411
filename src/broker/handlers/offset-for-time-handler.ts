import type { OffsetForTimeCommand } from '../../protocol/commands.js';
import { encodeResult } from '../../protocol/encoder.js';
import { Status } from '../../protocol/status.js';
import type { BrokerContext, ReplySink } from '../broker-context.js';

/** `otime` (metaq extension): the offset of the first message appended at or after a time. */
export function handleOffsetForTime(command: OffsetForTimeCommand, ctx: BrokerContext, reply: ReplySink): void {
  ctx.counters.cmdOffset += 1;
  const { topic, partition, opaque } = command;
  const log = ctx.stores.find(topic, partition);
  if (log === undefined) {
    reply.send(encodeResult(Status.notFound, opaque, `The topic \`${topic}\` in partition \`${partition}\` is not exists`));
    return;
  }
  log.offsetForTime(command.timeMs).then(
    (offset) => reply.send(encodeResult(Status.success, opaque, String(Math.max(log.minOffset, offset)))),
    (error: unknown) => {
      ctx.logger.error({ component: 'otime', err: error, topic, partition }, 'time lookup failed');
      reply.send(encodeResult(Status.internalServerError, opaque, `could not look up ${topic}-${partition} by time: ${error instanceof Error ? error.message : String(error)}`));
    },
  );
}
