import type { ReceivedMessage } from '../message.js';
import type { Handoff } from './handoff.js';

/**
 * The consumer's for-await iterator (docs/client.md): a message counts as processed when the loop
 * asks for the next. `break` (return) closes the consumer; when it was closed otherwise (close(),
 * an aborted signal) the last `next()` resolves only once the close finished, so a loop that
 * ends leaves no fetch or commit timer behind it.
 */
export function messageIterator(
  handoff: Handoff,
  starting: Promise<void>,
  close: () => Promise<void>,
  closed: () => Promise<void>,
): AsyncIterableIterator<ReceivedMessage> {
  return {
    async next() {
      await starting;
      const message = await handoff.next();
      if (message !== undefined) return { done: false, value: message };
      await closed();
      return { done: true, value: undefined };
    },
    async return() {
      handoff.end();
      await close();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
