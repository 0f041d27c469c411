import type { Broker } from '../broker/broker.js';
import type { GroupView } from './views/group-view.js';

interface Sample {
  atMs: number;
  topics: Map<string, { puts: number; gets: number; putBytes: number; getBytes: number }>;
  lag: Map<string, number>;
}

export interface TopicRates {
  putsPerSecond: number;
  getsPerSecond: number;
  putBytesPerSecond: number;
  getBytesPerSecond: number;
}

/** Samples kept: at one every 2 s, the last five minutes. */
const HISTORY = 150;
/** Groups that stopped fetching an hour ago are forgotten. */
const POSITION_TTL_MS = 60 * 60 * 1000;

/**
 * Samples the broker's counters and the groups' lag on an interval: the console's live rates
 * and lag chart come from here, so every browser sees the same numbers and none of them has to
 * poll the broker faster than this.
 */
export class RateSampler {
  private readonly samples: Sample[] = [];
  private readonly timer: NodeJS.Timeout;
  private sampling: Promise<void> | undefined;

  constructor(
    private readonly broker: Broker,
    private readonly groups: () => Promise<GroupView[]>,
    readonly intervalMs = 2000,
  ) {
    this.timer = setInterval(() => void this.sample(), intervalMs);
    this.timer.unref();
  }

  /** Take a sample now (also what the timer does); concurrent calls share one. */
  sample(): Promise<void> {
    this.sampling ??= this.take().finally(() => {
      this.sampling = undefined;
    });
    return this.sampling;
  }

  private async take(): Promise<void> {
    const topics = new Map<string, { puts: number; gets: number; putBytes: number; getBytes: number }>();
    for (const topic of this.broker.stores.all().keys()) topics.set(topic, this.broker.traffic.topicTotal(topic));
    const lag = new Map<string, number>();
    try {
      for (const group of await this.groups()) lag.set(group.group, group.lagBytes);
    } catch (error) {
      this.broker.logger.debug({ component: 'admin', err: error }, 'could not read consumer groups for the lag history');
    }
    this.samples.push({ atMs: Date.now(), topics, lag });
    if (this.samples.length > HISTORY) this.samples.shift();
    this.broker.positions.forgetOlderThan(Date.now() - POSITION_TTL_MS);
  }

  /** Per-second rates between the last two samples (zeros until there are two). */
  topicRates(topic: string): TopicRates {
    const [before, after] = this.samples.slice(-2);
    const a = before?.topics.get(topic);
    const b = after?.topics.get(topic);
    if (before === undefined || after === undefined || b === undefined || after.atMs === before.atMs)
      return { putsPerSecond: 0, getsPerSecond: 0, putBytesPerSecond: 0, getBytesPerSecond: 0 };
    const seconds = (after.atMs - before.atMs) / 1000;
    const rate = (field: 'puts' | 'gets' | 'putBytes' | 'getBytes'): number => Math.round(((b[field] - (a?.[field] ?? 0)) / seconds) * 10) / 10;
    return { putsPerSecond: rate('puts'), getsPerSecond: rate('gets'), putBytesPerSecond: rate('putBytes'), getBytesPerSecond: rate('getBytes') };
  }

  /** Per-second rates of all topics together, between the last two samples (the overview's totals). */
  totalRates(): TopicRates {
    const [before, after] = this.samples.slice(-2);
    if (before === undefined || after === undefined || after.atMs === before.atMs)
      return { putsPerSecond: 0, getsPerSecond: 0, putBytesPerSecond: 0, getBytesPerSecond: 0 };
    const sum = (sample: Sample) => {
      const total = { puts: 0, gets: 0, putBytes: 0, getBytes: 0 };
      for (const t of sample.topics.values()) {
        total.puts += t.puts;
        total.gets += t.gets;
        total.putBytes += t.putBytes;
        total.getBytes += t.getBytes;
      }
      return total;
    };
    const a = sum(before);
    const b = sum(after);
    const seconds = (after.atMs - before.atMs) / 1000;
    const rate = (field: 'puts' | 'gets' | 'putBytes' | 'getBytes'): number => Math.max(0, Math.round(((b[field] - a[field]) / seconds) * 10) / 10);
    return { putsPerSecond: rate('puts'), getsPerSecond: rate('gets'), putBytesPerSecond: rate('putBytes'), getBytesPerSecond: rate('getBytes') };
  }

  /** A group's total lag over the sampled window, oldest first. */
  lagHistory(group: string): Array<{ atMs: number; lagBytes: number }> {
    return this.samples.flatMap((sample) => {
      const lag = sample.lag.get(group);
      return lag === undefined ? [] : [{ atMs: sample.atMs, lagBytes: lag }];
    });
  }

  close(): void {
    clearInterval(this.timer);
  }
}
