import type { MoveClientEvent } from './move-client.js';

type Acked = Extract<MoveClientEvent, { kind: 'acked' }>;

/** What a move kill test saw: the clients' logs, the sends acked before the load started, the move, and the group's commits when its client was killed. */
export interface MoveHistory {
  events: MoveClientEvent[];
  preloaded: Acked[];
  moved: { from: string; to: string };
  committedAtKill: Map<string, number> | undefined;
}

export interface MoveVerdict {
  /** Acked, never delivered to the group. */
  lost: string[];
  /** Delivered at another partition or offset than the producer was told (the moved partition counted as the old one). */
  misplaced: string[];
  /** Delivered twice, and not as a redelivery from the killed client's last commit. */
  duplicates: string[];
  /** One producer's acked offsets going back within a partition (its order not kept across the move). */
  ackOrder: string[];
  /** One consumer delivering a partition's offsets out of order. */
  deliveryOrder: string[];
  /** Redeliveries after the killed client's last commit: allowed. */
  redelivered: number;
  acked: number;
}

/**
 * The history checker of the online move kill tests (docs/testing.md). The moved partition is one
 * partition under two names: the copy keeps the bytes at the same offsets, so a message acked at
 * `from`@n must be delivered at `from`@n or `to`@n, exactly once to the group; a consumer killed
 * mid-move may be followed by a redelivery of what it processed after its last commit, nothing older.
 */
export function checkMove(history: MoveHistory): MoveVerdict {
  const logical = (partition: string): string => (partition === history.moved.to ? history.moved.from : partition);
  const verdict: MoveVerdict = { lost: [], misplaced: [], duplicates: [], ackOrder: [], deliveryOrder: [], redelivered: 0, acked: 0 };
  const acked = new Map<string, Acked>();
  for (const event of [...history.preloaded, ...history.events]) if (event.kind === 'acked') acked.set(event.data, event);
  verdict.acked = acked.size;

  const committed = new Map<string, number>();
  for (const [partition, offset] of history.committedAtKill ?? []) committed.set(logical(partition), Math.max(offset, committed.get(logical(partition)) ?? -1));

  const deliveries = new Map<string, Array<Extract<MoveClientEvent, { kind: 'delivered' }>>>();
  const lastByConsumer = new Map<string, number>();
  for (const event of history.events) {
    if (event.kind !== 'delivered') continue;
    const where = logical(event.partition);
    const sent = acked.get(event.data);
    if (sent !== undefined && (logical(sent.partition) !== where || (sent.offset >= 0 && sent.offset !== event.offset)))
      verdict.misplaced.push(`${short(event.data)} acked at ${sent.partition}@${sent.offset}, delivered at ${event.partition}@${event.offset}`);
    const key = `${event.who} ${where}`;
    const last = lastByConsumer.get(key);
    if (last !== undefined && event.offset <= last) verdict.deliveryOrder.push(`${event.who} delivered ${where}@${event.offset} after @${last}`);
    lastByConsumer.set(key, event.offset);
    deliveries.set(event.data, [...(deliveries.get(event.data) ?? []), event]);
  }
  for (const [data, list] of deliveries) {
    if (list.length < 2) continue;
    const from = committed.get(logical(list[0]!.partition));
    const redelivery = list.length === 2 && from !== undefined && list[0]!.who !== list[1]!.who && list[0]!.offset >= from;
    if (redelivery) verdict.redelivered += 1;
    else verdict.duplicates.push(`${short(data)} delivered ${list.length} times: ${list.map((d) => `${d.who} ${d.partition}@${d.offset}`).join(', ')}`);
  }
  for (const data of acked.keys())
    if (!deliveries.has(data)) verdict.lost.push(`${short(data)} acked at ${acked.get(data)!.partition}@${acked.get(data)!.offset}`);

  // One-at-a-time producers (`<client>:<seq>`): within a partition, later sends sit at higher offsets.
  const lastAcked = new Map<string, { seq: number; offset: number }>();
  for (const event of history.events) {
    if (event.kind !== 'acked') continue;
    const [producer, seq] = event.data.split(':');
    const key = `${producer} ${logical(event.partition)}`;
    const last = lastAcked.get(key);
    if (last !== undefined && event.offset <= last.offset)
      verdict.ackOrder.push(`${event.data} acked at ${event.partition}@${event.offset}, before ${producer}:${last.seq} at @${last.offset}`);
    lastAcked.set(key, { seq: Number(seq), offset: event.offset });
  }
  return verdict;
}

/** A preloaded payload without its padding. */
function short(data: string): string {
  return data.length > 40 ? `${data.slice(0, 24)}…` : data;
}

/** A client event with the time (or sequence number) it was logged at. */
export type TimedMoveEvent = MoveClientEvent & { at: number };

/**
 * Partitions owned by two group members at once, the moved partition counted as one under both
 * its names: an ownership runs from `assigned` to `revoked` (logged once its fetcher stopped), but
 * that of the moved partition's new name from its first delivery, since a consumer logs
 * `assigned` before it waits for the old owner to let go and reads nothing meanwhile.
 */
export function ownershipOverlaps(events: readonly TimedMoveEvent[], moved: MoveHistory['moved']): string[] {
  const logical = (partition: string): string => (partition === moved.to ? moved.from : partition);
  interface Stint {
    who: string;
    partition: string;
    start: number;
    end: number;
  }
  const open = new Map<string, Stint>();
  const stints: Stint[] = [];
  for (const event of [...events].sort((x, y) => x.at - y.at)) {
    if (event.kind === 'acked') continue;
    const key = `${event.who} ${event.partition}`;
    if (event.kind === 'assigned')
      open.set(key, { who: event.who, partition: event.partition, start: event.partition === moved.to ? Infinity : event.at, end: Infinity });
    else if (event.kind === 'delivered') {
      const stint = open.get(key);
      if (stint !== undefined && stint.start === Infinity) stint.start = event.at;
    } else {
      const stint = open.get(key);
      if (stint === undefined) continue;
      stint.end = event.at;
      stints.push(stint);
      open.delete(key);
    }
  }
  stints.push(...open.values());
  const overlaps: string[] = [];
  const byPartition = new Map<string, Stint[]>();
  for (const stint of stints)
    if (stint.start !== Infinity) byPartition.set(logical(stint.partition), [...(byPartition.get(logical(stint.partition)) ?? []), stint]);
  for (const [partition, list] of byPartition) {
    list.sort((x, y) => x.start - y.start);
    for (let i = 1; i < list.length; i += 1)
      for (const earlier of list.slice(0, i))
        if (list[i]!.start < earlier.end)
          overlaps.push(
            `${partition}: ${earlier.who} owned ${earlier.partition} [${earlier.start}, ${earlier.end}] and ${list[i]!.who} ${list[i]!.partition} from ${list[i]!.start}`,
          );
  }
  return overlaps;
}
