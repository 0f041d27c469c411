import type { KeyOffsetsCommand } from '../../protocol/commands.js';
import type { BrokerContext, ReplySink } from '../broker-context.js';
import { answerPartitionLookup } from './partition-lookup.js';

/** `okey` (metaq extension): the offsets of a partition's messages with a key. */
export function handleKeyOffsets(command: KeyOffsetsCommand, ctx: BrokerContext, reply: ReplySink): void {
  answerPartitionLookup(ctx, reply, command, 'key', async (log) => (await log.offsetsForKey(command.key, command.limit)).join(' '));
}
