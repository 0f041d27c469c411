import type { Partition, ReceivedMessage } from '../message.js';
import { partitionName, parsePartition } from '../message.js';

/** Marks a message's attribute as a retry envelope (what a MetaQ consumer sees as an attribute). */
const ENVELOPE_PREFIX = 'metaq-retry:';
/** The error text kept with a message is cut here: an envelope travels in every retry. */
const MAX_ERROR_LENGTH = 500;

/** Where a failed message came from and how often it failed, carried in the attribute of its retry and dead-letter copies. */
export interface RetryEnvelope {
  /** The topic it was published to. */
  topic: string;
  /** Where it was first stored: partition, offset and id in `topic`. */
  partition: Partition;
  offset: number;
  id: bigint;
  /** Its own attribute, if it had one. */
  attribute: string | undefined;
  /** Deliveries that failed so far. */
  failures: number;
  firstFailedAt: Date;
  lastError: string;
}

interface EnvelopeJson {
  topic: string;
  partition: string;
  offset: number;
  id: string;
  attribute?: string;
  failures: number;
  firstFailedAt: number;
  lastError: string;
}

export function encodeEnvelope(envelope: RetryEnvelope): string {
  const json: EnvelopeJson = {
    topic: envelope.topic,
    partition: partitionName(envelope.partition),
    offset: envelope.offset,
    id: envelope.id.toString(),
    ...(envelope.attribute === undefined ? {} : { attribute: envelope.attribute }),
    failures: envelope.failures,
    firstFailedAt: envelope.firstFailedAt.getTime(),
    lastError: envelope.lastError.slice(0, MAX_ERROR_LENGTH),
  };
  return ENVELOPE_PREFIX + JSON.stringify(json);
}

/** The envelope in a message's attribute, or undefined for a message that never failed (or an attribute that is not one). */
export function decodeEnvelope(attribute: string | undefined): RetryEnvelope | undefined {
  if (attribute === undefined || !attribute.startsWith(ENVELOPE_PREFIX)) return undefined;
  try {
    const json = JSON.parse(attribute.slice(ENVELOPE_PREFIX.length)) as EnvelopeJson;
    const partition = parsePartition(json.partition);
    if (typeof json.topic !== 'string' || partition === undefined || !Number.isSafeInteger(json.failures)) return undefined;
    return {
      topic: json.topic,
      partition,
      offset: json.offset,
      id: BigInt(json.id),
      attribute: json.attribute,
      failures: json.failures,
      firstFailedAt: new Date(json.firstFailedAt),
      lastError: String(json.lastError),
    };
  } catch {
    return undefined;
  }
}

/** The envelope for a message that just failed: a first failure starts one, a retried message's grows. */
export function envelopeAfterFailure(message: ReceivedMessage, error: unknown, nowMs: number): RetryEnvelope {
  const lastError = error instanceof Error ? error.message : String(error);
  const previous = decodeEnvelope(message.attribute);
  if (previous !== undefined) return { ...previous, failures: previous.failures + 1, lastError };
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    id: message.id,
    attribute: message.attribute,
    failures: 1,
    firstFailedAt: new Date(nowMs),
    lastError,
  };
}
