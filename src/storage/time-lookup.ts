import { idTimeMsAt } from '../common/id-generator.js';
import type { Segment } from './segment.js';
import { recordsOf } from './segment-records.js';
import type { TimeIndex } from './time-index.js';

/**
 * The offset of the first message appended at or after `timeMs` (ms since 1970) in `segments`,
 * from the append time in every message id; `end` when there is none. The segment to look in is
 * found by the time of each segment's first message, so with a clock set back between runs of
 * the broker the answer may lie after an earlier message of that time.
 */
export async function offsetForTime(segments: readonly Segment[], timeMs: number, end: number): Promise<number> {
  // The last segment whose first message is older than `timeMs`: the first match is in it or after it.
  let low = 0;
  let high = segments.length - 1;
  let from = 0;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const first = await segments[mid]!.firstAppendTimeMs();
    if (first >= 0 && first < timeMs) {
      from = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  for (const segment of segments.slice(from)) {
    const index = await timeIndexOf(segment);
    if (index.latest < timeMs) continue;
    for await (const record of recordsOf(segment, index.startFor(timeMs), segment.size)) {
      if (idTimeMsAt(record.bytes, record.at + 8) >= timeMs) return segment.start + record.position;
    }
  }
  return end;
}

/** The segment's time index, after reading whatever its writes did not show it. */
async function timeIndexOf(segment: Segment): Promise<TimeIndex> {
  const index = segment.timeIndex;
  for await (const { position, size, bytes, at } of recordsOf(segment, index.coveredEnd, segment.size))
    index.see(position, position + size, idTimeMsAt(bytes, at + 8));
  return index;
}
