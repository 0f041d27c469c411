import type { Settler } from '../../common/settler.js';
import type { SendResult } from '../message.js';
import { CountedSend } from './in-flight-sends.js';

/** Hears how one send ended: an error, or the stored message's partition, offset and id. */
export type SendCallback = (error: Error | undefined, result?: SendResult) => void;

/** `send`'s promise, settled by the outcome: `promiseFor` fills in its resolving functions, with no closure. */
export class PromisedSend extends CountedSend implements Settler<SendResult> {
  resolve!: (value: SendResult) => void;
  reject!: (error: Error) => void;

  protected hear(error: Error | undefined, result: SendResult | undefined): void {
    if (error === undefined) this.resolve(result!);
    else this.reject(error);
  }
}

/** `sendNoWait`'s callback, if any. */
export class CallbackSend extends CountedSend {
  constructor(private readonly callback: SendCallback | undefined) {
    super();
  }

  protected hear(error: Error | undefined, result: SendResult | undefined): void {
    this.callback?.(error, result);
  }
}
