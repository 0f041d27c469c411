import type { OffsetCommand } from '../../protocol/commands.js';
import { encodeResult } from '../../protocol/encoder.js';
import { Status } from '../../protocol/status.js';
import type { BrokerContext, ReplySink } from '../broker-context.js';

/** `offset`: the start of the segment holding an offset, clamped to the log (§1.3.3). */
export function handleOffset(command: OffsetCommand, ctx: BrokerContext, reply: ReplySink): void {
  ctx.counters.cmdOffset += 1;
  const { topic, partition, opaque } = command;
  if (ctx.stores.settings(topic)?.stat) ctx.realtime.record('offset', topic);
  const log = ctx.stores.find(topic, partition);
  if (log === undefined) {
    reply.send(encodeResult(Status.notFound, opaque, `The topic \`${topic}\` in partition \`${partition}\` is not exists`));
    return;
  }
  reply.send(encodeResult(Status.success, opaque, String(log.segmentStartFor(command.offset))));
}
