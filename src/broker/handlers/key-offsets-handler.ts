import type { KeyOffsetsCommand } from '../../protocol/commands.js';
import { encodeResult } from '../../protocol/encoder.js';
import { Status } from '../../protocol/status.js';
import type { BrokerContext, ReplySink } from '../broker-context.js';

/** `okey` (metaq extension): the offsets of a partition's messages with a key. */
export function handleKeyOffsets(command: KeyOffsetsCommand, ctx: BrokerContext, reply: ReplySink): void {
  ctx.counters.cmdOffset += 1;
  const { topic, partition, opaque } = command;
  const log = ctx.stores.find(topic, partition);
  if (log === undefined) {
    reply.send(encodeResult(Status.notFound, opaque, `The topic \`${topic}\` in partition \`${partition}\` is not exists`));
    return;
  }
  log.offsetsForKey(command.key, command.limit).then(
    (offsets) => reply.send(encodeResult(Status.success, opaque, offsets.join(' '))),
    (error: unknown) => {
      ctx.logger.error({ component: 'okey', err: error, topic, partition }, 'key lookup failed');
      reply.send(encodeResult(Status.internalServerError, opaque, `could not look up ${topic}-${partition} by key: ${error instanceof Error ? error.message : String(error)}`));
    },
  );
}
