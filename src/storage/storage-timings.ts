/**
 * Told how long the disk took, for latency metrics: `written` for one batched write of records
 * to a segment, `synced` for one fdatasync. Called on the write path, so it must be cheap.
 */
export interface StorageTimings {
  written(seconds: number, bytes: number): void;
  synced(seconds: number): void;
}
