import type { StorageError } from '../common/errors.js';
import { RECORD_HEADER_SIZE } from '../protocol/record.js';
import type { StoredSet } from './producer-journal.js';

/** Called once per append: an error, or the absolute offset where the appended records start. */
export type AppendCallback = (error: StorageError | undefined, offset: number) => void;

/** One record of a batch appended as a unit. */
export interface BatchRecord {
  readonly payload: Buffer;
  readonly flag: number;
  readonly id: bigint;
  readonly checksum: number;
}

/** One message, framed by the log (a put, a replicated record). */
export interface RecordAppend {
  readonly kind: 'record';
  readonly payload: Buffer;
  readonly flag: number;
  readonly id: bigint;
  readonly checksum: number;
  readonly done: AppendCallback;
}

/**
 * Records written contiguously in one write, so they become visible together (with one fsync in
 * group-commit mode) and never interleave with other appends: a transaction's batch. `done`
 * gets the offset of the first record once all are written.
 */
export interface BatchAppend {
  readonly kind: 'batch';
  readonly records: readonly BatchRecord[];
  readonly done: AppendCallback;
}

/**
 * A message set already in the log's record format (checksums verified, ids assigned by the
 * caller): written as it is, in one piece, with no per-record work. `release` hears when the log
 * no longer reads `set` (after a successful write; never while a slave's stream may still send
 * views of it), so its buffer can be reused.
 */
export interface FramedAppend {
  readonly kind: 'framed';
  readonly set: Buffer;
  readonly records: number;
  /** When the last of its records was appended, if the caller knows (time index). */
  readonly latestTimeMs?: number | undefined;
  readonly release?: (() => void) | undefined;
  readonly done: AppendCallback;
}

/**
 * A framed set of an idempotent producer, admitted by `admitSet`: its entry in the producer
 * journal is written before the set, and retries wait for its outcome.
 */
export interface IdempotentAppend {
  readonly kind: 'idempotent';
  readonly set: Buffer;
  readonly records: number;
  readonly producer: { id: string; sequence: number; firstId: bigint };
  readonly latestTimeMs?: number | undefined;
  readonly done: AppendCallback;
}

/** Everything a partition log appends: one object per append, queued as it is where it can be. */
export type LogAppend = RecordAppend | BatchAppend | FramedAppend | IdempotentAppend;

/** An idempotent set as queued: `done` settles the producer state, `stored` is journaled. */
export interface JournaledAppend {
  readonly kind: 'journaled';
  readonly set: Buffer;
  readonly records: number;
  readonly latestTimeMs: number | undefined;
  /** Its `offset` is set once the batch it goes out in is laid out. */
  readonly stored: StoredSet;
  readonly done: AppendCallback;
}

/** What the write queue holds. */
export type QueuedAppend = RecordAppend | BatchAppend | FramedAppend | JournaledAppend;

/** Bytes an entry takes in the log. */
export function queuedSize(entry: QueuedAppend): number {
  switch (entry.kind) {
    case 'record':
      return RECORD_HEADER_SIZE + entry.payload.length;
    case 'batch': {
      let size = 0;
      for (const record of entry.records) size += RECORD_HEADER_SIZE + record.payload.length;
      return size;
    }
    default:
      return entry.set.length;
  }
}
