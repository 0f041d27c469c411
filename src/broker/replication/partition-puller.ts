import type { Logger } from 'pino';
import { abortableDelay } from '../../common/abortable-delay.js';
import { LONG_MAX_OFFSET } from '../../protocol/commands.js';
import { isRecordIntact, iterateRecords } from '../../protocol/record.js';
import { Status } from '../../protocol/status.js';
import { appendRecord } from '../../storage/append-promise.js';
import type { PartitionStore } from '../../storage/partition-store.js';
import { BrokerError } from '../../protocol/broker-error.js';
import { decodeGetReply } from '../../protocol/commands/get.js';
import { answeredOffset, decodeOffsetReply } from '../../protocol/commands/offset.js';
import type { BrokerConnection } from '../../client/transport/broker-connection.js';
import type { PartitionStores } from '../partition-stores.js';

/** Largest fetch (MetaQ's slave subscribes with 1 MiB). */
const FETCH_BYTES = 1024 * 1024;
const REQUEST_TIMEOUT_MS = 10_000;
/** The smallest fetch under a throttle: a record must fit (MetaQ's default maxMessageSize is 1 MiB, but most are far smaller). */
const MIN_THROTTLED_FETCH = 64 * 1024;
/** How often the master's end is asked for while copying, for the lag figure. */
const END_PROBE_MS = 1000;

export interface PullerSettings {
  topic: string;
  partition: number;
  link: BrokerConnection;
  stores: PartitionStores;
  group: string;
  maxDelayMs: number;
  logger: Logger;
  /** Told of every record copied (the slave's put counters). */
  copied: (topic: string, records: number, bytes: number) => void;
  /** The local partition the copy goes to, when not the same number (an online move). */
  localPartition?: number;
  /** Copy no faster than this many bytes per second (an online move's throttle); 0 = no limit. */
  bytesPerSecond?: number;
}

/**
 * One partition of an async slave (docs/replication.md): gets from the master at the local end and appends
 * each record with the master's id and flag, so the copy holds the same bytes at the same
 * offsets. Records that fail their checksum are fetched again, never stored. Idle, it backs off
 * up to `slaveMaxDelayInMills`; failures never skip data (MetaQ's maxFetchRetries = ∞).
 */
export class PartitionPuller {
  /** The master's end as last seen (the lag is measured against it). */
  masterEnd = -1;
  problem: string | undefined;
  private log: PartitionStore | undefined;
  private delay = 0;
  private lastProbe = 0;
  /** When the throttle lets the next fetch go (performance.now() time). */
  private nextFetchAt = 0;
  private wholeFetch = false;

  constructor(private readonly s: PullerSettings) {}

  get localEnd(): number {
    return this.log?.writtenEnd ?? -1;
  }

  get lagBytes(): number {
    return this.masterEnd < 0 || this.log === undefined ? -1 : Math.max(0, this.masterEnd - this.log.writtenEnd);
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let wait: number;
      try {
        wait = await this.step(signal);
        this.problem = undefined;
      } catch (error) {
        if (signal.aborted) return;
        this.problem = (error as Error).message;
        this.s.logger.debug(
          { component: 'replication', err: error, partition: `${this.s.topic}-${this.s.partition}` },
          'copy from the master failed; retrying',
        );
        wait = this.backOff();
      }
      await abortableDelay(wait, signal);
    }
  }

  private backOff(): number {
    this.delay = Math.min(this.s.maxDelayMs, this.delay + Math.max(1, this.s.maxDelayMs / 10));
    return this.delay;
  }

  /** One get and its appends; returns how long to wait before the next. */
  private async step(signal: AbortSignal): Promise<number> {
    const { topic, partition, group, link } = this.s;
    const log = this.log ?? (await this.openLocal());
    if (log === undefined) return this.backOff();
    await log.whenWritten();
    const throttled = this.throttleWait();
    if (throttled > 0) return throttled;
    const offset = log.writtenEnd;
    const rate = this.s.bytesPerSecond ?? 0;
    // Under a throttle a fetch is at most a quarter second's worth, so the copy runs smoothly rather than in bursts.
    const maxSize = rate > 0 && !this.wholeFetch ? Math.max(MIN_THROTTLED_FETCH, Math.min(FETCH_BYTES, Math.floor(rate / 4))) : FETCH_BYTES;
    const raw = await link.request(
      (opaque) => ({ kind: 'get', topic, group, partition, offset, maxSize, opaque }),
      REQUEST_TIMEOUT_MS,
      `replicate ${topic}-${partition}@${offset}`,
      signal,
    );
    const reply = answeredAs('get', () => decodeGetReply(raw));
    if (reply.kind === 'caughtUp') {
      this.masterEnd = offset; // nothing visible beyond our end: caught up
      return this.backOff();
    }
    if (reply.kind === 'moved') {
      // The master no longer has our next offset (retention) or has less than us: copying on would leave a hole or diverge.
      throw new Error(
        `the master answered 301 ${reply.offset} for offset ${offset}: its log no longer continues this copy; move this slave's ${topic}-${partition} directory aside and resubscribe`,
      );
    }
    if (reply.kind === 'unavailable') throw new Error(`get answered ${Status.forbidden}: ${reply.reason}`);
    const appends: Array<Promise<number>> = [];
    let bytes = 0;
    for (const record of iterateRecords(reply.body)) {
      if (!isRecordIntact(record)) throw new Error(`the record at ${offset + record.position} failed its checksum in transit; fetching it again`);
      appends.push(appendRecord(log, record.payload, record.flag, record.id, record.checksum));
      bytes += record.size;
    }
    if (appends.length === 0 && maxSize < FETCH_BYTES) {
      this.wholeFetch = true; // a record larger than a throttled fetch: take it in one full fetch
      return 0;
    }
    if (appends.length === 0) return this.backOff(); // a record larger than the fetch: MetaQ's slave has the same limit
    this.wholeFetch = false;
    const offsets = await Promise.all(appends);
    if (offsets[0] !== offset) throw new Error(`the first copied record landed at ${offsets[0]} instead of ${offset}; another writer touched this copy`);
    this.s.copied(topic, appends.length, bytes);
    if (rate > 0) this.nextFetchAt = Math.max(this.nextFetchAt, performance.now()) + (bytes * 1000) / rate;
    this.delay = 0;
    if (performance.now() - this.lastProbe > END_PROBE_MS) this.probeMasterEnd();
    return 0;
  }

  /** Milliseconds until the throttle lets the next fetch go. */
  private throttleWait(): number {
    return Math.max(0, Math.ceil(this.nextFetchAt - performance.now()));
  }

  /** The local copy, created empty at the master's first offset so offsets match (docs/replication.md). */
  private async openLocal(): Promise<PartitionStore | undefined> {
    const { topic, partition, group, link, stores } = this.s;
    const local = this.s.localPartition ?? partition;
    const existing = stores.find(topic, local);
    if (existing !== undefined) return (this.log = existing);
    const reply = await link.request(
      (opaque) => ({ kind: 'offset', topic, group, partition, offset: 0, opaque }),
      REQUEST_TIMEOUT_MS,
      `first offset of ${topic}-${partition}`,
    );
    const first = answeredAs('offset', () => decodeOffsetReply(reply));
    if (first === undefined) return undefined; // the master has no store yet
    this.log = await stores.getOrCreateReplica(topic, local, first);
    return this.log;
  }

  private probeMasterEnd(): void {
    const { topic, partition, group, link } = this.s;
    this.lastProbe = performance.now();
    link
      .request((opaque) => ({ kind: 'offset', topic, group, partition, offset: LONG_MAX_OFFSET, opaque }), REQUEST_TIMEOUT_MS, 'master end')
      .then((reply) => {
        const end = answeredOffset(reply);
        if (end !== undefined) this.masterEnd = Math.max(this.masterEnd, end);
      })
      .catch(() => undefined);
  }
}

/** A refusal as the replication problem operators see (`stats replication`, monitor): `get answered 500: …`. */
function answeredAs<T>(command: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof BrokerError) throw new Error(`${command} answered ${error.status}: ${error.reason}`, { cause: error });
    throw error;
  }
}
