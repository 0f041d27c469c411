import type { Logger } from '../logger.js';
import type { ReceivedMessage } from '../message.js';
import type { ConsumerOptions } from './consumer-options.js';

/** Takes a message that failed more than maxFetchRetries times; resolves once it is dealt with (the partition moves past it). */
export type Reject = (message: ReceivedMessage, error: unknown) => Promise<void>;

/**
 * `onReject: 'drop'` or a function as a Reject. Undefined for `'retry'` (the default: retried
 * for ever) and for `'recover'` and retry topics, which the consumer sets up with their stores.
 */
export function simpleReject(onReject: ConsumerOptions['onReject'], logger: Logger): Reject | undefined {
  if (onReject === 'drop') {
    return (message, error) => {
      logger.warn(
        { err: error, topic: message.topic, partition: message.partition, offset: message.offset },
        'message failed too often; dropped (onReject: drop)',
      );
      return Promise.resolve();
    };
  }
  if (typeof onReject === 'function') return async (message, error) => onReject(message, error);
  return undefined;
}
