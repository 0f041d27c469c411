import type { GetCommand, WaitingGetCommand } from '../../protocol/commands.js';
import { MAX_GET_WAIT_MS } from '../../protocol/commands.js';
import type { RequestContext } from './request-context.js';

/**
 * `wget` (metaq extension): a get that, at the end of the log, waits for the next flush (or
 * `maxWaitMs`) before answering, so a caught-up consumer neither polls nor waits out a back-off.
 * A partition a put would create but none has yet is the end of an empty log: the wait covers
 * its creation too. Every other case, and the answer after the wait, is exactly `get`: the get
 * is run on the same transport and answers as a get. A waiting get holds no read slot while it
 * waits.
 */
export function handleWaitingGet(command: WaitingGetCommand, request: RequestContext): void {
  const ctx = request.broker;
  const { maxWaitMs, ...fields } = command;
  const get: GetCommand = { ...fields, kind: 'get' };
  const log = ctx.stores.find(command.topic, command.partition);
  if (log === undefined && maxWaitMs > 0 && !ctx.closed.isClosed(command.topic, command.partition)) {
    const started = performance.now();
    const timeoutMs = Math.min(maxWaitMs, MAX_GET_WAIT_MS);
    const resume = (waitMs: number): void => {
      request.waited(cancel!);
      handleWaitingGet({ ...command, maxWaitMs: waitMs }, request);
    };
    // Created: wait on for its first flush with what is left of the wait (0 answers at once).
    const cancel = ctx.stores.whenCreated(command.topic, command.partition, timeoutMs, () =>
      resume(Math.max(0, Math.floor(timeoutMs - (performance.now() - started)))),
    );
    if (cancel !== undefined)
      return request.waiting(cancel, () => {
        cancel();
        resume(0);
      });
  }
  // Wait only where get would say "nothing yet" because nothing is flushed past the offset; a
  // slave that has not confirmed flushed data is not waited for here (the client backs off).
  const atEnd =
    log !== undefined &&
    !ctx.closed.isClosed(command.topic, command.partition) &&
    log.visibleEnd === command.offset &&
    ctx.replication.visibleEnd(log) === command.offset;
  if (!atEnd || maxWaitMs === 0) return request.run(get);
  // The log may wake it at once, before its cancel is known: then it never waited.
  const wait: { cancel?: () => void; woke?: boolean } = {};
  const answer = (): void => {
    wait.woke = true;
    if (wait.cancel !== undefined) request.waited(wait.cancel);
    request.run(get);
  };
  wait.cancel = log.whenFlushedPast(command.offset, Math.min(maxWaitMs, MAX_GET_WAIT_MS), answer);
  if (wait.woke !== true)
    request.waiting(wait.cancel, () => {
      wait.cancel!();
      answer();
    });
}
