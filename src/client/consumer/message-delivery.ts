import { setImmediate } from 'node:timers/promises';
import { completeRecordSize, isRecordIntact, readRecord } from '../../protocol/record.js';
import type { ReceivedMessage } from '../message.js';
import type { FetcherSettings } from './partition-fetcher.js';
import type { PartitionPosition } from './partition-position.js';
import { messagesOf } from './record-messages.js';

/** Processed bytes of a fetched set between turns given back to the event loop. */
export const YIELD_EVERY_BYTES = 128 * 1024;

/** What delivering a fetched set needs from its partition's fetcher. */
export interface DeliveryContext {
  readonly settings: FetcherSettings;
  readonly position: PartitionPosition;
  /** Listener (or batch handler) failures in a row at the current position. */
  failures: number;
  /** The set held no whole record (garbage, or a record larger than the fetch size): the wait before the next fetch. */
  noWholeRecord(set: Buffer): Promise<number>;
  /** Whole records were delivered: the fetch size fits them. */
  fitted(): void;
  /** A record failed its checksum at `at`: move to where the broker says valid data starts. */
  recoverFromCorruption(at: number): Promise<void>;
}

/**
 * Deliver a fetched set one message at a time, in order, advancing the position after each
 * record. A listener failure stops there: the set is fetched again after a back-off growing with
 * the failures in a row, and once they pass maxFetchRetries the message goes to `reject` (local
 * recovery, the retry topic, drop or the user's handler) and the partition moves past it.
 * Returns how long to wait before the next fetch.
 */
export async function deliverMessages(f: DeliveryContext, set: Buffer): Promise<number> {
  const s = f.settings;
  // Positions advance message by message, so a commit never lags a whole batch behind.
  const base = f.position.offset;
  const moves = f.position.moves;
  let consumed = 0;
  let failure: { message: ReceivedMessage; size: number; error: unknown; index: number; of: number } | undefined;
  let nextYield = YIELD_EVERY_BYTES;
  for (let pos = 0, size = completeRecordSize(set, 0); size > 0; pos += size, size = completeRecordSize(set, pos)) {
    const record = readRecord(set, pos, size);
    if (record.position >= nextYield) {
      // Let the socket hand over the prefetched batch meanwhile: a synchronous listener would
      // otherwise keep the event loop until the whole batch is done, and the broker's reply
      // would wait in a full socket buffer.
      await setImmediate();
      if (f.position.moves !== moves) return 0; // sought elsewhere meanwhile
      nextYield = record.position + YIELD_EVERY_BYTES;
    }
    const offset = base + record.position;
    const messages = isRecordIntact(record) ? messagesOf(record, s.topic, s.partition, offset) : undefined;
    if (messages === undefined) {
      await f.recoverFromCorruption(offset);
      return 0;
    }
    // In manual-ack mode a rollback must redeliver, so the duplicate cache stays out of it.
    if (s.manualAck || !s.duplicates.has(offset)) {
      // Messages of a compressed set done before a failure are not delivered again.
      const start = f.position.doneInRecord?.offset === offset ? f.position.doneInRecord.count : 0;
      for (let n = start; n < messages.length && failure === undefined; n += 1) {
        const message = messages[n]!;
        if (s.filter !== undefined && !safeFilter(s.filter, message)) continue;
        try {
          const pending = s.deliver(message);
          if (pending !== undefined) await pending; // a synchronous listener costs no extra tick
        } catch (error) {
          // Handed over at once (retry topics): the rest of the batch goes on without a refetch.
          if (s.maxFetchRetries === 0 && s.reject !== undefined && (await rejected(s.reject, message, error))) continue;
          failure = { message, size: record.size, error, index: n, of: messages.length };
          f.position.doneInRecord = n > 0 ? { offset, count: n } : undefined;
        }
      }
      if (failure !== undefined) break;
      f.position.doneInRecord = undefined;
      if (!s.manualAck) s.duplicates.add(offset);
    }
    if (f.position.moves !== moves) return 0; // a rollback or a seek: refetch from the position it set
    consumed = record.position + record.size;
    f.position.lastMsgId = record.id;
    f.position.moveTo(base + consumed);
  }
  if (consumed === 0 && failure === undefined) return f.noWholeRecord(set);
  f.fitted();
  if (failure === undefined) {
    f.failures = 0;
    return 0;
  }
  if (consumed > 0) f.failures = 0;
  else f.failures += 1;
  if (s.reject !== undefined && f.failures > s.maxFetchRetries) {
    await s.reject(failure.message, failure.error);
    if (failure.index + 1 < failure.of) f.position.doneInRecord = { offset: failure.message.offset, count: failure.index + 1 };
    else f.position.moveTo(failure.message.offset + failure.size);
    f.failures = 0;
    return 0;
  }
  return (s.maxDelayFetchMs / 10) * f.failures;
}

/** A filter that throws does not accept the message (as in MetaQ). */
function safeFilter(filter: (message: ReceivedMessage) => boolean, message: ReceivedMessage): boolean {
  try {
    return filter(message);
  } catch {
    return false;
  }
}

/** Whether `reject` took a failed message (a reject that throws leaves it to the usual retries). */
async function rejected(reject: (message: ReceivedMessage, error: unknown) => Promise<void>, message: ReceivedMessage, error: unknown): Promise<boolean> {
  try {
    await reject(message, error);
    return true;
  } catch {
    return false;
  }
}
