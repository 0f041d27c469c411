import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Broker } from '../broker/broker.js';
import type { StorageTimings } from '../broker/stats/storage-latency.js';

/** Disk latencies from 50 µs to 2.5 s: group commit fsyncs sit around 1-10 ms on SSDs. */
const LATENCY_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * The partition stores and their disks: write and fsync latencies (observed as they happen; every
 * other metric is read at scrape time), the tail cache, retention's clock, foreign directories and disk space.
 * Returns what stops the latency observations.
 */
export function registerStorageMetrics(broker: Broker, registers: Registry[]): () => void {
  const write = new Histogram({
    name: 'metaq_storage_write_seconds',
    help: 'Time to write one batch of records to a segment file.',
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const fsync = new Histogram({
    name: 'metaq_storage_fsync_seconds',
    help: 'Time of one fdatasync of a segment file (one per group commit).',
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const timings: StorageTimings = { written: (seconds) => write.observe(seconds), synced: (seconds) => fsync.observe(seconds) };
  broker.stores.latency.listeners.add(timings);

  new Gauge({
    name: 'metaq_foreign_directories',
    help: 'Directories found in a data path at start that this broker would not have created; logged and left alone.',
    registers,
    collect() {
      this.set(broker.stores.foreignDirectories);
    },
  });
  new Counter({
    name: 'metaq_clock_anomalies_total',
    help: 'Forward jumps of the wall clock beyond clockJumpToleranceMs, each pausing deletion by age.',
    registers,
    collect() {
      this.reset();
      this.inc(broker.stores.retentionClock.anomalies);
    },
  });
  new Gauge({
    name: 'metaq_retention_paused_jump_seconds',
    help: 'How far the wall clock jumped ahead while deletion by age is paused for it; 0 when retention runs (accept the time with POST /api/clock/accept).',
    registers,
    collect() {
      this.set(broker.stores.retentionClock.pausedByMs / 1000);
    },
  });
  new Gauge({
    name: 'metaq_tail_cache_bytes',
    help: 'Newest written bytes held in memory for gets at the end of a log (bounded by tailCacheBytes).',
    registers,
    collect() {
      this.set(broker.stores.tailCache.bytes);
    },
  });
  for (const [field, name, help] of [
    ['totalBytes', 'metaq_disk_size_bytes', 'Size of the file system holding a data path.'],
    ['freeBytes', 'metaq_disk_free_bytes', 'Bytes the broker may still write on the file system holding a data path.'],
  ] as const) {
    new Gauge({
      name,
      help,
      labelNames: ['path'],
      registers,
      async collect() {
        this.reset();
        for (const disk of await broker.diskSpace()) this.set({ path: disk.path }, disk[field]);
      },
    });
  }
  return () => {
    broker.stores.latency.listeners.delete(timings);
  };
}
