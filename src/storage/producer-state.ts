import type { Clock } from '../common/clock.js';
import { StorageCodes, StorageError } from '../common/errors.js';
import type { FileIO } from './io/file-io.js';
import type { SetAdmission, SetOutcome } from './idempotent-sets.js';
import { IdempotentSets } from './idempotent-sets.js';
import type { AppendCallback, IdempotentAppend, JournaledAppend, QueuedAppend } from './log-append.js';
import type { StoredSet } from './producer-journal.js';
import { ProducerJournal } from './producer-journal.js';

/** An idempotent producer idle this long is forgotten when the producer journal is compacted (Kafka: a day). */
const PRODUCER_EXPIRY_MS = 24 * 60 * 60 * 1000;

/** The id of the record at an offset of the log, if one starts there. */
export type IdAt = (offset: number) => Promise<bigint | undefined>;

/**
 * What one partition keeps for idempotent producers (Kafka's producer state): which sets each
 * one stored, in memory and in the producer journal, which is written before the sets it names.
 */
export class ProducerState {
  private constructor(
    private readonly sets: IdempotentSets,
    private readonly journal: ProducerJournal,
    private readonly clock: Clock,
  ) {}

  /** Read the journal of `dir`, keeping the sets that made it whole into a log ending at `logEnd`. */
  static async open(io: FileIO, dir: string, logEnd: number, clock: Clock, fresh = false): Promise<ProducerState> {
    const { journal, sets } = await ProducerJournal.open(io, dir, fresh);
    // An entry for a set past the recovered end was journaled, but the set never made it whole.
    const kept = sets.filter((set) => set.offset + set.bytes <= logEnd);
    return new ProducerState(new IdempotentSets(kept, clock.monotonicMs()), journal, clock);
  }

  /** Number of idempotent producers remembered. */
  get producerCount(): number {
    return this.sets.producerCount;
  }

  /**
   * Whether set `sequence` of idempotent producer `producerId` is new, a retry to answer with
   * the original outcome, or refused. A retry of a set known only from the journal is checked
   * against the log first (`idAt`): if the set is not there (its write failed before a restart),
   * the outcome is a failure, and the caller stores it after all.
   */
  admit(producerId: string, sequence: number, records: number, bytes: number, idAt: IdAt): SetAdmission {
    const admission = this.sets.admit(producerId, sequence, records, bytes, this.clock.monotonicMs());
    if (admission.kind !== 'retry' || admission.recovered === undefined) return admission;
    const claimed = admission.recovered;
    const outcome = (listener: (outcome: SetOutcome) => void): void => {
      idAt(claimed.offset).then(
        (id) => {
          if (id === claimed.firstId) listener({ stored: claimed });
          else {
            this.sets.forget(producerId, sequence);
            listener({ failed: new StorageError(StorageCodes.failed, `set ${sequence} of producer ${producerId} is not in the log`) });
          }
        },
        (error: unknown) => listener({ failed: error instanceof Error ? error : new Error(String(error)) }),
      );
    };
    return { kind: 'retry', outcome, recovered: claimed };
  }

  /** Start storing an admitted set: the queue entry whose outcome settles it. */
  begin(entry: IdempotentAppend): JournaledAppend {
    const { producer, set, records } = entry;
    const state = this.sets.begin(producer.id, producer.sequence, records, set.length, this.clock.monotonicMs());
    const stored: StoredSet = { producerId: producer.id, sequence: producer.sequence, records, bytes: set.length, offset: -1, firstId: producer.firstId };
    const settled: AppendCallback = (error, offset) => {
      this.sets.settle(state, error === undefined ? { stored } : { failed: error });
      entry.done(error, offset);
    };
    return { kind: 'journaled', set, records, latestTimeMs: entry.latestTimeMs, stored, done: settled };
  }

  /**
   * Journal the idempotent sets of a batch about to be written (offsets known by now). Nothing
   * to journal returns no promise, so the write starts without waiting for a microtask.
   */
  journalSets(batch: readonly QueuedAppend[], offsets: readonly number[]): Promise<void> | undefined {
    let sets: StoredSet[] | undefined;
    for (let i = 0; i < batch.length; i += 1) {
      const entry = batch[i]!;
      if (entry.kind !== 'journaled') continue;
      entry.stored.offset = offsets[i]!;
      (sets ??= []).push(entry.stored);
    }
    if (sets === undefined) return undefined;
    const journal = this.journal;
    const compacted = journal.needsCompaction ? journal.rewrite(this.sets.live(this.clock.monotonicMs() - PRODUCER_EXPIRY_MS)) : Promise.resolve();
    const journaled = sets;
    return compacted.then(() => journal.append(journaled));
  }

  /** fsync the journal (with every flush of the log). */
  sync(): Promise<void> {
    return this.journal.sync();
  }

  close(): Promise<void> {
    return this.journal.close();
  }
}
