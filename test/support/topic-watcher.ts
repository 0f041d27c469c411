import type { MetaqClient } from '../../src/client/index.js';

/**
 * A consumer reading `topic` throughout a fault test: it polls every partition from offset 0,
 * records each message once with its partition, and keeps going across broker restarts (the
 * client to use can be swapped). `stop` returns everything seen, in partition order.
 */
export function watchTopic(
  topic: string,
  partitions: number,
  initial: MetaqClient,
): { use(client: MetaqClient): void; stop(): Promise<Array<{ partition: number; data: string }>> } {
  let client = initial;
  let stopping = false;
  const seen: Array<{ partition: number; data: string }> = [];
  const offsets = new Array<number>(partitions).fill(0);
  const loop = (async () => {
    for (let round = 0; round < 100_000; round += 1) {
      const finalRound = stopping;
      for (let partition = 0; partition < partitions; partition += 1) {
        // The last round reads each partition to its end.
        for (let more = true; more;) {
          try {
            const fetched = await client.get(topic, partition, offsets[partition]!, { timeoutMs: 1000 });
            for (const message of fetched.messages) seen.push({ partition, data: message.data.toString() });
            offsets[partition] = fetched.nextOffset;
            more = finalRound && fetched.messages.length > 0;
          } catch {
            more = false; // the broker is down or restarting: read again next round
          }
        }
      }
      if (finalRound) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  return {
    use: (next) => (client = next),
    stop: async () => {
      stopping = true;
      await loop;
      return seen;
    },
  };
}

/** `t<tx>-m<n>` → tx number. */
export function txOf(data: string): number {
  return Number(/^t(\d+)-m\d+$/.exec(data)?.[1] ?? NaN);
}

/**
 * Messages of one transaction must be contiguous within each partition: nothing of another
 * transaction between them. Returns the first violation found.
 */
export function interleaving(seen: ReadonlyArray<{ partition: number; data: string }>): string | undefined {
  const byPartition = new Map<number, number[]>();
  for (const { partition, data } of seen) {
    let list = byPartition.get(partition);
    if (list === undefined) byPartition.set(partition, (list = []));
    list.push(txOf(data));
  }
  for (const [partition, list] of byPartition) {
    const closed = new Set<number>();
    for (let i = 0; i < list.length; i += 1) {
      if (closed.has(list[i]!)) return `partition ${partition}: transaction ${list[i]} resumes after another transaction's messages`;
      if (i > 0 && list[i - 1] !== list[i]) closed.add(list[i - 1]!);
    }
  }
  return undefined;
}
