import type { StorageTimings } from '../../storage/storage-timings.js';

export type { StorageTimings };

/** Hands every store's write and fsync timings to whoever listens (the metrics registry). */
export class StorageLatency implements StorageTimings {
  readonly listeners = new Set<StorageTimings>();

  written(seconds: number, bytes: number): void {
    for (const listener of this.listeners) listener.written(seconds, bytes);
  }

  synced(seconds: number): void {
    for (const listener of this.listeners) listener.synced(seconds);
  }
}
