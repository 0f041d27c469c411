import { InvalidArgumentError } from '../errors.js';
import type { ConsumerOptions, SubscribeOptions } from './consumer-options.js';

/**
 * What `runBatches` refuses: per-message features a batch handler cannot have (a filter, manual
 * acks, retry topics, a reject policy other than retrying the batch).
 */
export function checkBatchable(subscriptions: ReadonlyMap<string, SubscribeOptions>, options: ConsumerOptions): void {
  for (const [topic, subscription] of subscriptions) {
    if (subscription.filter !== undefined)
      throw new InvalidArgumentError('topic', `${topic} has a filter, which runBatches does not apply: filter inside the handler, or use run()`);
  }
  if (options.autoAck === false)
    throw new InvalidArgumentError(
      'options.autoAck',
      'false needs per-message ack(), which runBatches does not have: use run(), or let the batch count as processed when the handler returns',
    );
  if (options.retryTopics !== undefined)
    throw new InvalidArgumentError(
      'options.retryTopics',
      'applies to run(), for await and stream(), not runBatches: a failing batch is retried until it succeeds',
    );
  if (options.onReject !== undefined && options.onReject !== 'retry')
    throw new InvalidArgumentError(
      'options.onReject',
      `runBatches retries a failing batch until it succeeds; handle poison messages in the handler (got ${String(options.onReject)})`,
    );
}
