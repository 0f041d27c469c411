/**
 * The fault-test checker (docs/testing.md, "The checker and negative controls"): compares what producers were told
 * (acked writes) with what a final full scan reads back.
 */
export interface AckedWrite {
  payload: string;
  partition: number;
  offset: number;
}

export interface ReadRecord {
  partition: number;
  offset: number;
  size: number;
  payload: string;
  intact: boolean;
  /** The message id, where the reader had it. */
  id?: bigint;
}

export interface Verdict {
  lost: AckedWrite[];
  divergent: AckedWrite[];
  unexpected: ReadRecord[];
  duplicates: string[];
  corrupt: ReadRecord[];
  orderViolations: string[];
  offsetGaps: string[];
}

export interface CheckOptions {
  /** Payloads any producer attempted (acked, failed or unknown). */
  attempted: Set<string>;
  /** Per partition, the lowest offset still retained (earlier acked writes were removed by retention). */
  minOffsets?: Map<number, number>;
  /** Payloads whose send was retried: a duplicate of these is allowed. */
  retried?: Set<string>;
}

/** Payloads are `producer:seq`; order is checked per producer within a partition. */
export function checkHistory(acked: AckedWrite[], reads: ReadRecord[], options: CheckOptions): Verdict {
  const verdict: Verdict = { lost: [], divergent: [], unexpected: [], duplicates: [], corrupt: [], orderViolations: [], offsetGaps: [] };
  const at = new Map<string, ReadRecord>();
  const seen = new Map<string, number>();
  for (const read of reads) {
    at.set(`${read.partition}@${read.offset}`, read);
    if (!read.intact) verdict.corrupt.push(read);
    if (!options.attempted.has(read.payload)) verdict.unexpected.push(read);
    seen.set(read.payload, (seen.get(read.payload) ?? 0) + 1);
  }
  for (const [payload, count] of seen) if (count > 1 && !options.retried?.has(payload)) verdict.duplicates.push(payload);
  for (const write of acked) {
    if (write.offset < (options.minOffsets?.get(write.partition) ?? 0)) continue;
    const read = at.get(`${write.partition}@${write.offset}`);
    if (read === undefined) verdict.lost.push(write);
    else if (read.payload !== write.payload) verdict.divergent.push(write);
  }
  const byPartition = new Map<number, ReadRecord[]>();
  for (const read of reads) {
    const list = byPartition.get(read.partition) ?? [];
    list.push(read);
    byPartition.set(read.partition, list);
  }
  for (const [partition, list] of byPartition) {
    list.sort((a, b) => a.offset - b.offset);
    const lastSeq = new Map<string, number>();
    list.forEach((read, i) => {
      const next = list[i + 1];
      if (next !== undefined && read.offset + read.size !== next.offset)
        verdict.offsetGaps.push(`partition ${partition}: ${read.offset}+${read.size} != ${next.offset}`);
      const [producer, seqText] = read.payload.split(':');
      const seq = Number(seqText);
      if (producer !== undefined && Number.isFinite(seq)) {
        const last = lastSeq.get(producer) ?? -1;
        // A retried write may be stored twice in a row (its first attempt's ack was lost).
        if (last > seq || (last === seq && !options.retried?.has(read.payload)))
          verdict.orderViolations.push(`partition ${partition}: ${read.payload} after seq ${lastSeq.get(producer)}`);
        lastSeq.set(producer, seq);
      }
    });
  }
  return verdict;
}

export function isClean(verdict: Verdict): boolean {
  return Object.values(verdict).every((list: unknown[]) => list.length === 0);
}

export function summarize(verdict: Verdict): string {
  return Object.entries(verdict)
    .map(([key, list]: [string, unknown[]]) => `${key}=${list.length}`)
    .join(' ');
}
