import type { OffsetCommand } from '../../protocol/commands.js';
import { Status } from '../../protocol/status.js';
import { ok, refused } from './outcome.js';
import type { RequestContext } from './request-context.js';

/** `offset`: the start of the segment holding an offset, clamped to the log (docs/protocol.md, offset). */
export function handleOffset(command: OffsetCommand, request: RequestContext): void {
  const { topic, partition } = command;
  const log = request.broker.stores.find(topic, partition);
  if (log === undefined) return request.answer(command, refused(Status.notFound, `The topic \`${topic}\` in partition \`${partition}\` is not exists`));
  request.answer(command, ok(String(log.segmentStartFor(command.offset))));
}
