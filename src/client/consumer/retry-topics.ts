import type { Logger } from '../logger.js';
import { InvalidArgumentError } from '../errors.js';
import type { Partition, ReceivedMessage } from '../message.js';
import type { Producer } from '../producer/producer.js';
import { checkPositiveInt, checkTopic } from '../validate.js';
import { decodeEnvelope, encodeEnvelope, envelopeAfterFailure } from './retry-envelope.js';

/** Retry topics and a dead-letter topic for a consumer group (RocketMQ's %RETRY% and %DLQ%, Spring Kafka's retry topics). */
export interface RetryTopicOptions {
  /** Deliveries a message gets, the first included, before it goes to the dead-letter topic. Default 16, as RocketMQ's maxReconsumeTimes. */
  maxAttempts?: number;
  /** Wait before the n-th retry; the last value repeats. Default 1 s, 5 s, 10 s, 30 s, 1 min, 2 min, 5 min, 10 min, 30 min, 1 h. */
  backoffMs?: number[];
  /** Default `retry.<group>`. */
  retryTopic?: string;
  /** Default `dlq.<group>`. */
  deadLetterTopic?: string;
}

export interface RetryTopicSettings {
  maxAttempts: number;
  backoffMs: number[];
  retryTopic: string;
  deadLetterTopic: string;
}

const DEFAULT_BACKOFF_MS = [1_000, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000];

/** A group name cannot contain '.', so these never collide with another group's. */
export function retryTopicOf(group: string): string {
  return `retry.${group}`;
}

export function deadLetterTopicOf(group: string): string {
  return `dlq.${group}`;
}

export function retryTopicSettings(options: RetryTopicOptions | true, group: string): RetryTopicSettings {
  const o = options === true ? {} : options;
  if (typeof o !== 'object' || o === null) throw new InvalidArgumentError('options.retryTopics', `must be true or an object, got ${JSON.stringify(options)}`);
  const backoffMs = o.backoffMs ?? DEFAULT_BACKOFF_MS;
  if (!Array.isArray(backoffMs) || backoffMs.length === 0)
    throw new InvalidArgumentError('options.retryTopics.backoffMs', 'must be a non-empty array of milliseconds');
  backoffMs.forEach((ms, n) => checkPositiveInt(ms, `options.retryTopics.backoffMs[${n}]`));
  const settings = {
    maxAttempts: o.maxAttempts === undefined ? 16 : checkPositiveInt(o.maxAttempts, 'options.retryTopics.maxAttempts'),
    backoffMs,
    retryTopic: o.retryTopic === undefined ? retryTopicOf(group) : checkTopic(o.retryTopic, 'options.retryTopics.retryTopic'),
    deadLetterTopic: o.deadLetterTopic === undefined ? deadLetterTopicOf(group) : checkTopic(o.deadLetterTopic, 'options.retryTopics.deadLetterTopic'),
  };
  if (settings.retryTopic === settings.deadLetterTopic)
    throw new InvalidArgumentError('options.retryTopics', `retryTopic and deadLetterTopic must differ (both ${settings.retryTopic})`);
  return settings;
}

/**
 * What the consumer does with a message its listener failed: send it to the retry topic, due
 * after the back-off for its attempt, or once it has had `maxAttempts` deliveries to the
 * dead-letter topic. Resolves once the broker holds the copy, so the consumer moves past the
 * original only then; a failure rejects, and the message is fetched and tried again.
 */
export function retryTopicReject(
  settings: RetryTopicSettings,
  producer: Producer,
  partitionFor: (topic: string) => Promise<Partition>,
  logger: Logger,
): (message: ReceivedMessage, error: unknown) => Promise<void> {
  return async (message, error) => {
    const envelope = envelopeAfterFailure(message, error, Date.now());
    const copy = { topic: '', data: message.data, attribute: encodeEnvelope(envelope) };
    try {
      if (envelope.failures >= settings.maxAttempts) {
        const topic = settings.deadLetterTopic;
        await producer.sendBatch([{ ...copy, topic }], { partition: await partitionFor(topic) });
        logger.warn(
          { topic: envelope.topic, offset: envelope.offset, id: envelope.id.toString(), failures: envelope.failures, deadLetterTopic: topic, err: error },
          'message failed on every attempt; sent to the dead-letter topic',
        );
        return;
      }
      const topic = settings.retryTopic;
      const delayMs = settings.backoffMs[Math.min(envelope.failures, settings.backoffMs.length) - 1]!;
      await producer.schedule({ ...copy, topic }, { delayMs, partition: await partitionFor(topic) });
    } catch (sendError) {
      logger.warn(
        { err: sendError, topic: message.topic, offset: message.offset },
        'could not hand a failed message to its retry or dead-letter topic; it will be fetched and tried again',
      );
      throw sendError;
    }
  };
}

/** The message as the listener sees it: a retried copy looks like the original, with `retry` telling its history. */
export function unwrapRetried(message: ReceivedMessage, retryTopic: string): ReceivedMessage {
  if (message.topic !== retryTopic) return message;
  const envelope = decodeEnvelope(message.attribute);
  if (envelope === undefined) return message;
  return {
    ...message,
    topic: envelope.topic,
    attribute: envelope.attribute,
    retry: {
      attempt: envelope.failures + 1,
      firstFailedAt: envelope.firstFailedAt,
      lastError: envelope.lastError,
      retryTopic,
      origin: { partition: envelope.partition, offset: envelope.offset, id: envelope.id },
    },
  };
}
