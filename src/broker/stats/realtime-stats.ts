import type { Clock } from '../../common/clock.js';

export const RealtimeKinds = ['put', 'put_slave', 'get', 'offset', 'get_miss', 'put_failed', 'message_size'] as const;
export type RealtimeKind = (typeof RealtimeKinds)[number];

interface Tally {
  count: number;
  value: number;
}

/** MetaQ resets realtime counters every 30 minutes (docs/protocol.md, stats). */
const RESET_INTERVAL_MS = 30 * 60 * 1000;

/**
 * Per-topic realtime counters (`stats realtime` and `stats <topic>`), kept only for topics with
 * `stat=true`: count of events and sum of values since the last reset.
 */
export class RealtimeStats {
  private readonly tallies = new Map<RealtimeKind, Map<string, Tally>>();
  private resetAt: number;

  constructor(private readonly clock: Clock) {
    this.resetAt = clock.monotonicMs();
  }

  /** `count` events whose values sum to `value` (a batched put records its messages at once). */
  record(kind: RealtimeKind, topic: string, value = 1, count = 1): void {
    if (this.clock.monotonicMs() - this.resetAt > RESET_INTERVAL_MS) this.reset();
    let byTopic = this.tallies.get(kind);
    if (byTopic === undefined) this.tallies.set(kind, (byTopic = new Map<string, Tally>()));
    const tally = byTopic.get(topic);
    if (tally === undefined) byTopic.set(topic, { count, value });
    else {
      tally.count += count;
      tally.value += value;
    }
  }

  reset(): void {
    this.tallies.clear();
    this.resetAt = this.clock.monotonicMs();
  }

  /** Summed over all topics, or `null` when never recorded. */
  total(kind: RealtimeKind): string {
    const byTopic = this.tallies.get(kind);
    if (byTopic === undefined) return 'null';
    let count = 0;
    let value = 0;
    for (const tally of byTopic.values()) {
      count += tally.count;
      value += tally.value;
    }
    return this.format(count, value);
  }

  /** One topic's value; `null` if the kind was never recorded, MetaQ's text if only for others. */
  forTopic(kind: RealtimeKind, topic: string): string {
    const byTopic = this.tallies.get(kind);
    if (byTopic === undefined) return 'null';
    const tally = byTopic.get(topic);
    return tally === undefined ? `Invalid keyTwo:${topic}` : this.format(tally.count, tally.value);
  }

  private format(count: number, value: number): string {
    const seconds = (this.clock.monotonicMs() - this.resetAt) / 1000;
    const perCount = count === 0 ? 'invalid' : decimal(value / count);
    const rate = seconds === 0 ? 'invalid' : decimal(count / seconds);
    return `Count=${count},Value=${decimal(value)},Value/Count=${perCount},Count/Duration=${rate},Duration=${decimal(seconds)}`;
  }
}

/** Java's DecimalFormat("#.##"): at most two decimals, no trailing zeros, no grouping. */
export function decimal(value: number): string {
  return String(Math.round(value * 100) / 100);
}
