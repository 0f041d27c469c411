import { setImmediate } from 'node:timers/promises';
import { checksum } from '../../common/checksum.js';
import { isCompressedSet } from '../../protocol/compressed-set.js';
import { completeRecordSize, readRecord, RECORD_HEADER_SIZE } from '../../protocol/record.js';
import type { DeliveryContext } from './message-delivery.js';
import { YIELD_EVERY_BYTES } from './message-delivery.js';
import { MessageBatch } from './message-batch.js';
import { compressedBatch } from './record-messages.js';

/**
 * Batch mode (`runBatches`): the fetched records go to the handler as MessageBatch views of at
 * most YIELD_EVERY_BYTES each (a compressed set alone), checked but with no object per
 * message. A batch the handler fails is fetched and handed over again, whole, after a back-off.
 */
export async function deliverBatches(f: DeliveryContext, set: Buffer, deliver: (batch: MessageBatch) => Promise<void> | void): Promise<number> {
  const s = f.settings;
  const base = f.position.offset;
  const moves = f.position.moves;
  let pos = 0;
  for (;;) {
    if (pos > 0) {
      await setImmediate(); // the socket reads the prefetched reply meanwhile
      if (f.position.moves !== moves) return 0; // sought elsewhere meanwhile
    }
    const from = pos;
    const starts: number[] = [];
    let size = completeRecordSize(set, pos);
    for (
      ;
      size > 0 && (starts.length === 0 || pos + size - from <= YIELD_EVERY_BYTES) && !isCompressedSet(set.readInt32BE(pos + 16));
      size = completeRecordSize(set, pos)
    ) {
      if (checksum(set.subarray(pos + RECORD_HEADER_SIZE, pos + size)) !== set.readInt32BE(pos + 4)) break;
      starts.push(pos);
      pos += size;
    }
    let batch: MessageBatch | undefined;
    if (starts.length > 0) batch = new MessageBatch(s.topic, s.partition, set, starts, base, undefined);
    else if (size > 0 && isCompressedSet(set.readInt32BE(pos + 16))) {
      batch = compressedBatch(readRecord(set, pos, size), s.topic, s.partition, base + pos);
      if (batch !== undefined) pos += size;
    }
    if (batch === undefined) {
      if (size > 0) {
        await f.recoverFromCorruption(base + pos); // a record failed its checksum
        return 0;
      }
      return pos === 0 ? f.noWholeRecord(set) : 0;
    }
    try {
      await deliver(batch);
    } catch (error) {
      f.failures += 1;
      s.logger.warn(
        { err: error, topic: s.topic, partition: s.partition, offset: batch.offset(0), retries: f.failures },
        'batch handler failed; the batch is handed over again',
      );
      return (s.maxDelayFetchMs / 10) * Math.min(f.failures, 10);
    }
    f.failures = 0;
    f.fitted();
    if (f.position.moves !== moves) return 0; // a seek during the handler: fetch from where it points
    f.position.lastMsgId = batch.id(batch.length - 1);
    f.position.moveTo(base + pos);
  }
}
