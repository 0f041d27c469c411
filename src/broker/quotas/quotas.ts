import type { Clock } from '../../common/clock.js';
import { ByteRateBucket } from './byte-rate-bucket.js';

export type QuotaKind = 'produce' | 'fetch';

/** The byte rates a request is held to: its client's (by address) and its topic's; 0: none. */
export interface QuotaLimits {
  clientBytesPerSecond: number;
  topicBytesPerSecond: number;
}

/** The longest a reply is held, whatever the debt: a client must not take its own timeout for a refusal. */
export const MAX_THROTTLE_MS = 5_000;

/**
 * Per-client and per-topic produce and fetch byte rates (metaq addition). A request over a rate
 * is served in full and its reply held until the debt is paid; the connection stops reading
 * meanwhile, so a client that does not wait for replies is slowed too. Nothing is dropped.
 */
export class Quotas {
  /** Buckets by kind, scope and name (nested maps: no key string built per request). */
  private readonly buckets = {
    produce: { client: new Map<string, ByteRateBucket>(), topic: new Map<string, ByteRateBucket>() },
    fetch: { client: new Map<string, ByteRateBucket>(), topic: new Map<string, ByteRateBucket>() },
  };
  /** Milliseconds replies were held, by kind, scope (`client` or `topic`) and name. */
  private readonly heldMs = new Map<string, { kind: QuotaKind; scope: 'client' | 'topic'; name: string; ms: number }>();

  constructor(private readonly clock: Clock) {}

  /** Account `bytes` of a request; the milliseconds its reply should be held (0: none). */
  charge(kind: QuotaKind, client: string, topic: string, bytes: number, limits: QuotaLimits): number {
    const now = this.clock.monotonicMs();
    const byClient = limits.clientBytesPerSecond > 0 ? bucket(this.buckets[kind].client, client, limits.clientBytesPerSecond, now).take(bytes, now) : 0;
    const byTopic = limits.topicBytesPerSecond > 0 ? bucket(this.buckets[kind].topic, topic, limits.topicBytesPerSecond, now).take(bytes, now) : 0;
    const delay = Math.min(MAX_THROTTLE_MS, Math.max(byClient, byTopic));
    if (delay > 0) {
      const scope = byClient >= byTopic ? 'client' : 'topic';
      const name = scope === 'client' ? client : topic;
      const key = `${kind} ${scope} ${name}`;
      const held = this.heldMs.get(key) ?? { kind, scope, name, ms: 0 };
      held.ms += delay;
      this.heldMs.set(key, held);
    }
    return delay;
  }

  /** How long replies were held so far, by kind, scope and name (the metric). */
  held(): Array<{ kind: QuotaKind; scope: 'client' | 'topic'; name: string; seconds: number }> {
    return [...this.heldMs.values()].map(({ kind, scope, name, ms }) => ({ kind, scope, name, seconds: ms / 1000 }));
  }
}

function bucket(buckets: Map<string, ByteRateBucket>, name: string, rate: number, now: number): ByteRateBucket {
  let found = buckets.get(name);
  // A changed rate (a reload) starts a fresh bucket.
  if (found === undefined || found.bytesPerSecond !== rate) {
    found = new ByteRateBucket(rate, now);
    buckets.set(name, found);
  }
  return found;
}
