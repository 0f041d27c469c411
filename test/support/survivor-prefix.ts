import type { AckedWrite, ReadRecord } from './history-checker.js';

export interface PrefixReport {
  /** Acked writes found again (same payload at the same offset). */
  survived: number;
  /** Acked writes gone (a power cut took them before an fsync). */
  lost: number;
  /** The most acked writes one run lost on one partition. */
  worstLoss: number;
  /** Acked writes found after an earlier acked write of the same run and partition was lost. */
  violations: string[];
}

/**
 * For a broker that acks before fsync (normal flush), a power cut may take the unsynced tail of
 * each partition, and the next run writes over those offsets. What must hold: per run (the
 * broker's life between two cuts) and partition, the acked writes still in the final scan are a
 * prefix, in offset order, of that run's acked writes; a hole with later survivors is a bug.
 */
export function checkSurvivorPrefix(runs: AckedWrite[][], reads: ReadRecord[]): PrefixReport {
  const payloadAt = new Map(reads.map((read) => [`${read.partition}@${read.offset}`, read.payload]));
  const report: PrefixReport = { survived: 0, lost: 0, worstLoss: 0, violations: [] };
  runs.forEach((acked, run) => {
    const byPartition = new Map<number, AckedWrite[]>();
    for (const write of acked) {
      const list = byPartition.get(write.partition) ?? [];
      list.push(write);
      byPartition.set(write.partition, list);
    }
    for (const [partition, writes] of byPartition) {
      let firstLost: AckedWrite | undefined;
      const lostBefore = report.lost;
      for (const write of writes.sort((a, b) => a.offset - b.offset)) {
        if (payloadAt.get(`${partition}@${write.offset}`) !== write.payload) {
          report.lost += 1;
          firstLost ??= write;
        } else {
          report.survived += 1;
          if (firstLost !== undefined)
            report.violations.push(
              `run ${run}, partition ${partition}: ${write.payload} at ${write.offset} survived, ${firstLost.payload} at ${firstLost.offset} before it was lost`,
            );
        }
      }
      report.worstLoss = Math.max(report.worstLoss, report.lost - lostBefore);
    }
  });
  return report;
}
