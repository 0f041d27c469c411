import type { KeyOffsetsCommand } from '../../protocol/commands.js';
import { answerPartitionLookup } from './partition-lookup.js';
import type { RequestContext } from './request-context.js';

/** `okey` (metaq extension): the offsets of a partition's messages with a key. */
export function handleKeyOffsets(command: KeyOffsetsCommand, request: RequestContext): void {
  answerPartitionLookup(command, request, 'key', async (log) => (await log.offsetsForKey(command.key, command.limit)).join(' '));
}
