import type { GetCommand, WaitingGetCommand } from '../../protocol/commands.js';
import { MAX_GET_WAIT_MS } from '../../protocol/commands.js';
import type { BrokerContext } from '../broker-context.js';

/**
 * `wget` (metaq extension): a get that, at the end of the log, waits for the next flush (or
 * `maxWaitMs`) before answering, so a caught-up consumer neither polls nor waits out a back-off.
 * Every other case, and the answer after the wait, is exactly `get`. `startGet` runs the get;
 * the returned cancel function drops the wait (the connection closed).
 */
export function handleWaitingGet(command: WaitingGetCommand, ctx: BrokerContext, startGet: (get: GetCommand) => void): (() => void) | undefined {
  const { maxWaitMs, ...fields } = command;
  const get: GetCommand = { ...fields, kind: 'get' };
  const log = ctx.stores.find(command.topic, command.partition);
  // Wait only where get would say "nothing yet" because nothing is flushed past the offset; a
  // slave that has not confirmed flushed data is not waited for here (the client backs off).
  const atEnd = log !== undefined && !ctx.closed.isClosed(command.topic, command.partition) && log.visibleEnd === command.offset && ctx.replication.visibleEnd(log) === command.offset;
  if (!atEnd || maxWaitMs === 0) {
    startGet(get);
    return undefined;
  }
  return log.whenFlushedPast(command.offset, Math.min(maxWaitMs, MAX_GET_WAIT_MS), () => startGet(get));
}
