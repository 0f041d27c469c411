/**
 * The group checker for K8 and N6: from what each consumer incarnation logged (partitions
 * assigned and revoked, messages delivered) and when the test killed one, it finds partitions
 * owned by two live consumers at once, deliveries outside an ownership, duplicates that are not
 * a new owner re-reading from the last commit, and acked messages nobody delivered.
 */
export type GroupEvent =
  | { kind: 'assigned' | 'revoked'; who: string; partition: string; at: number }
  | { kind: 'delivered'; who: string; partition: string; offset: number; data: string; at: number }
  | { kind: 'died'; who: string; at: number };

export interface GroupVerdict {
  /** Two incarnations owning one partition at overlapping times. */
  overlaps: string[];
  /** A delivery by an incarnation that did not own the partition then. */
  outsideOwnership: string[];
  /** An offset delivered twice within one ownership: a duplicate not explained by a handover. */
  duplicatesWithinOwnership: string[];
  /** Redeliveries at the start of an ownership, from the previous owner's last commit: allowed. */
  handoverDuplicates: number;
  lost: string[];
  deliveries: number;
}

interface Ownership {
  who: string;
  partition: string;
  start: number;
  end: number;
}

function ownerships(events: readonly GroupEvent[]): Ownership[] {
  const diedAt = new Map<string, number>();
  for (const event of events) if (event.kind === 'died') diedAt.set(event.who, event.at);
  const open = new Map<string, Ownership>();
  const closed: Ownership[] = [];
  for (const event of [...events].sort((a, b) => a.at - b.at)) {
    if (event.kind !== 'assigned' && event.kind !== 'revoked') continue;
    const key = `${event.who} ${event.partition}`;
    if (event.kind === 'assigned') open.set(key, { who: event.who, partition: event.partition, start: event.at, end: Infinity });
    else {
      const ownership = open.get(key);
      if (ownership === undefined) continue;
      ownership.end = event.at;
      closed.push(ownership);
      open.delete(key);
    }
  }
  for (const ownership of open.values()) closed.push({ ...ownership, end: diedAt.get(ownership.who) ?? Infinity });
  return closed;
}

export function checkGroup(events: readonly GroupEvent[], acked: Iterable<string>): GroupVerdict {
  const verdict: GroupVerdict = { overlaps: [], outsideOwnership: [], duplicatesWithinOwnership: [], handoverDuplicates: 0, lost: [], deliveries: 0 };
  const owned = ownerships(events);
  const byPartition = new Map<string, Ownership[]>();
  for (const ownership of owned) byPartition.set(ownership.partition, [...(byPartition.get(ownership.partition) ?? []), ownership]);
  for (const [partition, list] of byPartition) {
    list.sort((a, b) => a.start - b.start);
    for (let i = 1; i < list.length; i += 1) {
      const previous = list[i - 1]!;
      const next = list[i]!;
      if (next.start < previous.end)
        verdict.overlaps.push(`${partition}: ${previous.who} [${previous.start}, ${previous.end}] and ${next.who} from ${next.start}`);
    }
  }

  const delivered = new Set<string>();
  const seenOffsets = new Map<string, Set<number>>();
  const lastInOwnership = new Map<Ownership, number>();
  for (const event of [...events].sort((a, b) => a.at - b.at)) {
    if (event.kind !== 'delivered') continue;
    verdict.deliveries += 1;
    delivered.add(event.data);
    const ownership = owned.find((o) => o.who === event.who && o.partition === event.partition && o.start <= event.at && event.at <= o.end);
    if (ownership === undefined) {
      verdict.outsideOwnership.push(`${event.who} delivered ${event.partition}@${event.offset} at ${event.at}`);
      continue;
    }
    const previous = lastInOwnership.get(ownership);
    if (previous !== undefined && event.offset <= previous)
      verdict.duplicatesWithinOwnership.push(`${event.who} delivered ${event.partition}@${event.offset} again within one ownership`);
    lastInOwnership.set(ownership, event.offset);
    const offsets = seenOffsets.get(event.partition) ?? new Set<number>();
    if (offsets.has(event.offset)) verdict.handoverDuplicates += 1;
    offsets.add(event.offset);
    seenOffsets.set(event.partition, offsets);
  }
  for (const data of acked) if (!delivered.has(data)) verdict.lost.push(data);
  return verdict;
}
