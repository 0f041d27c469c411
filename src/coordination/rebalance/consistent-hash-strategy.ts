import { createHash } from 'node:crypto';

/** Little-endian uint32 at `at` in an MD5 digest (ketama). */
function point(digest: Buffer, at: number): number {
  return digest.readUInt32LE(at);
}

function md5(text: string): Buffer {
  return createHash('md5').update(text, 'utf8').digest();
}

/**
 * MetaQ's CONSIST strategy (docs/cluster.md): a ketama ring with 160 points per consumer (40 MD5 digests of
 * `<consumerId>-<k>`, 4 points each); a partition goes to the first point at or after its hash,
 * wrapping around.
 */
export function consistentHashAssignment(consumerId: string, consumers: readonly string[], partitions: readonly string[]): string[] {
  const ring: Array<{ at: number; consumer: string }> = [];
  for (const consumer of new Set(consumers)) {
    for (let k = 0; k < 40; k += 1) {
      const digest = md5(`${consumer}-${k}`);
      for (let h = 0; h < 4; h += 1) ring.push({ at: point(digest, h * 4), consumer });
    }
  }
  if (ring.length === 0) return [];
  ring.sort((a, b) => a.at - b.at);
  return partitions.filter((partition) => {
    const hash = point(md5(partition), 0);
    const owner = ring.find((entry) => entry.at >= hash) ?? ring[0]!;
    return owner.consumer === consumerId;
  });
}
