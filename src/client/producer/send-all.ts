import type { OutgoingMessage, SendResult } from '../message.js';
import { checkPositiveInt } from '../validate.js';
import { CountedSend } from './in-flight-sends.js';

export interface SendAllOptions {
  inFlight?: number;
  onResult?: (message: OutgoingMessage, error: Error | undefined, result?: SendResult) => void;
}

/** One `sendAll`: its window of sends outstanding and its tally. */
class SendAllRun {
  pending = 0;
  sent = 0;
  failed = 0;
  /** Wakes the sending loop; set while it waits for room. */
  private slotFreed: (() => void) | undefined = undefined;
  /** Wake the loop when a quarter of the window is free (or all is done), not per ack: a promise per freed slot costs more than the send itself. */
  private readonly lowWater: number;

  constructor(
    readonly limit: number,
    private readonly onResult: SendAllOptions['onResult'],
  ) {
    this.lowWater = limit - Math.max(1, limit >> 2);
  }

  heard(message: OutgoingMessage, error: Error | undefined, result: SendResult | undefined): void {
    if (error === undefined) this.sent += 1;
    else this.failed += 1;
    this.onResult?.(message, error, result);
    this.pending -= 1;
    if (this.slotFreed !== undefined && (this.pending <= this.lowWater || this.pending === 0)) {
      const wake = this.slotFreed;
      this.slotFreed = undefined;
      wake();
    }
  }

  slot(): Promise<void> {
    return new Promise<void>((resolve) => (this.slotFreed = resolve));
  }
}

/** One message of a `sendAll`: the run hears its outcome (an object per send, no closure). */
class SendAllItem extends CountedSend {
  constructor(
    private readonly run: SendAllRun,
    private readonly message: OutgoingMessage,
  ) {
    super();
  }

  protected hear(error: Error | undefined, result: SendResult | undefined): void {
    this.run.heard(this.message, error, result);
  }
}

/**
 * Send a stream of messages through `dispatch` with at most `options.inFlight` outstanding;
 * resolves with the tally once every send settled.
 */
export async function sendAll(
  dispatch: (message: OutgoingMessage, send: CountedSend) => void,
  messages: Iterable<OutgoingMessage> | AsyncIterable<OutgoingMessage>,
  options: SendAllOptions,
): Promise<{ sent: number; failed: number }> {
  const run = new SendAllRun(options.inFlight === undefined ? 1000 : checkPositiveInt(options.inFlight, 'options.inFlight'), options.onResult);
  if (Symbol.iterator in messages) {
    // A plain loop: awaiting each item of a synchronous source would cost a tick per message.
    for (const message of messages) {
      run.pending += 1;
      dispatch(message, new SendAllItem(run, message));
      while (run.pending >= run.limit) await run.slot();
    }
  } else {
    for await (const message of messages) {
      run.pending += 1;
      dispatch(message, new SendAllItem(run, message));
      while (run.pending >= run.limit) await run.slot();
    }
  }
  while (run.pending > 0) await run.slot();
  return { sent: run.sent, failed: run.failed };
}
