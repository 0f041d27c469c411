import type { OffsetForTimeCommand } from '../../protocol/commands.js';
import { answerPartitionLookup } from './partition-lookup.js';
import type { RequestContext } from './request-context.js';

/** `otime` (metaq extension): the offset of the first message appended at or after a time. */
export function handleOffsetForTime(command: OffsetForTimeCommand, request: RequestContext): void {
  answerPartitionLookup(command, request, 'time', async (log) => String(Math.max(log.minOffset, await log.offsetForTime(command.timeMs))));
}
