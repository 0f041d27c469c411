import type { OffsetForTimeCommand } from '../../protocol/commands.js';
import type { BrokerContext, ReplySink } from '../broker-context.js';
import { answerPartitionLookup } from './partition-lookup.js';

/** `otime` (metaq extension): the offset of the first message appended at or after a time. */
export function handleOffsetForTime(command: OffsetForTimeCommand, ctx: BrokerContext, reply: ReplySink): void {
  answerPartitionLookup(ctx, reply, command, 'time', async (log) => String(Math.max(log.minOffset, await log.offsetForTime(command.timeMs))));
}
