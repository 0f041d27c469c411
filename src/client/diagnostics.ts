import { channel, tracingChannel } from 'node:diagnostics_channel';
import type { TracingChannel } from 'node:diagnostics_channel';
import { completeRecordSize } from '../protocol/record.js';
import type { GetReply } from '../protocol/commands/get.js';
import type { OutgoingMessage, Partition, SendResult } from './message.js';

/*
 * The client's node:diagnostics_channel events, for tracing tools such as OpenTelemetry
 * instrumentations (docs/client.md, Diagnostics channels). Every publisher checks
 * `hasSubscribers` first, so nothing is built or published while nobody listens.
 */

/** `metaq:client:send`, traced around `producer.send`: start, end, asyncStart, asyncEnd, error. */
export interface SendContext {
  topic: string;
  /** The partition asked for; `result.partition` is where the message went. */
  partition: Partition | undefined;
  /** The message's data length in bytes. */
  bytes: number;
  /** Set by the tracing channel when the send succeeded (with asyncStart/asyncEnd). */
  result?: SendResult;
  /** Set by the tracing channel when it failed (the error event). */
  error?: unknown;
  /** From start to the outcome, set before asyncStart or error is published. */
  durationMs?: number;
}

/** `metaq:client:fetch`, published when a fetch's reply arrived (a consumer's, or `client.get`'s). */
export interface FetchEvent {
  topic: string;
  partition: Partition;
  group: string;
  /** The offset asked for. */
  offset: number;
  /** What the broker answered: messages, a move to another offset, or nothing new. */
  outcome: 'messages' | 'moved' | 'caughtUp' | 'unavailable';
  /** Bytes of message set in the reply (0 unless `messages`). */
  bytes: number;
  /** Whole records in those bytes: a compressed set counts as one. */
  records: number;
  durationMs: number;
}

/** `metaq:client:commit`, traced around a consumer's commit of its positions to its offset storage. */
export interface CommitContext {
  group: string;
  offsets: Array<{ topic: string; partition: Partition; offset: number }>;
  error?: unknown;
  durationMs?: number;
}

export const sendTracing = tracingChannel<object, SendContext>('metaq:client:send');
export const fetchChannel = channel('metaq:client:fetch');
export const commitTracing = tracingChannel<object, CommitContext>('metaq:client:commit');

/**
 * Run `operation` inside the tracing channel with `context`, noting its duration before the
 * outcome is published. Call only when the channel has subscribers.
 */
export function traced<T, C extends { durationMs?: number }>(tracing: TracingChannel<object, C>, context: C, operation: () => Promise<T>): Promise<T> {
  const started = performance.now();
  return tracing.tracePromise(async () => {
    try {
      return await operation();
    } finally {
      context.durationMs = performance.now() - started;
    }
  }, context);
}

/** Whole records at the start of a message set, counted from their headers only. */
export function countRecords(set: Buffer): number {
  let records = 0;
  let pos = 0;
  for (let size = completeRecordSize(set, 0); size > 0; size = completeRecordSize(set, pos)) {
    pos += size;
    records += 1;
  }
  return records;
}

/** Publish a fetch's outcome on `metaq:client:fetch`; call only when it has subscribers. */
export function publishFetch(where: { topic: string; partition: Partition; group: string; offset: number }, reply: GetReply, started: number): void {
  const body = reply.kind === 'value' ? reply.body : undefined;
  const event: FetchEvent = {
    ...where,
    outcome: reply.kind === 'value' ? 'messages' : reply.kind,
    bytes: body?.length ?? 0,
    records: body === undefined ? 0 : countRecords(body),
    durationMs: performance.now() - started,
  };
  fetchChannel.publish(event);
}

/** The context of a traced send: what is known before it is routed. */
export function sendContext(message: OutgoingMessage, partition: Partition | undefined): SendContext {
  const data: unknown = message?.data;
  const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data instanceof Uint8Array ? data.byteLength : 0;
  return { topic: message?.topic, partition, bytes };
}
