import type { StoredSet } from './producer-journal.js';

/** Sets remembered per producer and partition; a retry of an older one is refused, not guessed. */
export const REMEMBERED_SETS = 32;

/** How one set of an idempotent producer turned out. */
export type SetOutcome = { stored: StoredSet } | { failed: Error };

/** What the log does with an idempotent set. */
export type SetAdmission =
  /** Never seen (or seen and failed): store it. */
  | { kind: 'new' }
  /** A retry of a set stored or being stored: answer with its outcome, store nothing. */
  | { kind: 'retry'; outcome: (listener: (outcome: SetOutcome) => void) => void; recovered: StoredSet | undefined }
  | { kind: 'refused'; reason: string };

/** One remembered set; `begin` hands it out and `settle` takes it back. */
export interface SetState {
  sequence: number;
  records: number;
  bytes: number;
  status: 'pending' | 'stored' | 'failed';
  stored: StoredSet | undefined;
  /** Read back from the journal: its set may not have reached the log (checked on a retry). */
  recovered: boolean;
  listeners: Array<(outcome: SetOutcome) => void>;
}

interface ProducerState {
  /** By sequence, ascending: the last REMEMBERED_SETS sets. */
  sets: SetState[];
  lastSeenMs: number;
}

/**
 * Which sets each idempotent producer has stored on one partition (Kafka's producer state):
 * a set is named by its producer id and its sequence number, and a retry of a set that is
 * stored, or still being written, is answered with the original outcome instead of being stored
 * again. Sequences may have gaps (a set that never arrived), but a sequence older than the
 * remembered window is refused: whether it was stored is no longer known.
 */
export class IdempotentSets {
  private readonly producers = new Map<string, ProducerState>();

  constructor(recovered: readonly StoredSet[], nowMs: number) {
    for (const set of recovered) {
      const state = this.stateOf(set.producerId, nowMs);
      this.insert(state, { sequence: set.sequence, records: set.records, bytes: set.bytes, status: 'stored', stored: set, recovered: true, listeners: [] });
    }
  }

  /** Decide what to do with set `sequence` of `producerId` (`records` records, `bytes` bytes). */
  admit(producerId: string, sequence: number, records: number, bytes: number, nowMs: number): SetAdmission {
    const state = this.producers.get(producerId);
    if (state === undefined) return { kind: 'new' };
    state.lastSeenMs = nowMs;
    const set = state.sets.find((s) => s.sequence === sequence);
    if (set === undefined) {
      const oldest = state.sets[0]!.sequence;
      if (sequence > oldest || state.sets.length < REMEMBERED_SETS) return { kind: 'new' };
      return {
        kind: 'refused',
        reason: `set ${sequence} of producer ${producerId} is older than the last ${REMEMBERED_SETS} sets remembered for this partition (from ${oldest}): whether it was stored is no longer known, so it is not stored again`,
      };
    }
    if (set.records !== records || set.bytes !== bytes) {
      return {
        kind: 'refused',
        reason: `set ${sequence} of producer ${producerId} was ${set.records} records of ${set.bytes} bytes, but this one is ${records} records of ${bytes} bytes: a producer id must not be reused for different messages`,
      };
    }
    if (set.status === 'failed') return { kind: 'new' };
    const outcome = (listener: (outcome: SetOutcome) => void): void => {
      if (set.status === 'stored') listener({ stored: set.stored! });
      else set.listeners.push(listener);
    };
    return { kind: 'retry', outcome, recovered: set.recovered ? set.stored : undefined };
  }

  /** A new set is being written; its retries wait for `settle`. */
  begin(producerId: string, sequence: number, records: number, bytes: number, nowMs: number): SetState {
    const state = this.stateOf(producerId, nowMs);
    const existing = state.sets.find((s) => s.sequence === sequence);
    if (existing !== undefined) {
      existing.status = 'pending';
      existing.recovered = false;
      existing.stored = undefined;
      return existing;
    }
    const set: SetState = { sequence, records, bytes, status: 'pending', stored: undefined, recovered: false, listeners: [] };
    this.insert(state, set);
    return set;
  }

  /** The set's write ended: stored at `stored`, or failed (a retry may store it then). */
  settle(set: SetState, outcome: SetOutcome): void {
    if ('stored' in outcome) {
      set.status = 'stored';
      set.stored = outcome.stored;
    } else set.status = 'failed';
    for (const listener of set.listeners.splice(0)) listener(outcome);
  }

  /** A recovered entry whose set is not in the log: forget it, so a retry is stored. */
  forget(producerId: string, sequence: number): void {
    const set = this.producers.get(producerId)?.sets.find((s) => s.sequence === sequence);
    if (set !== undefined && set.recovered) set.status = 'failed';
  }

  /** Every stored set still remembered, for rewriting the journal; producers idle past `expireBeforeMs` are dropped. */
  live(expireBeforeMs: number): StoredSet[] {
    const live: StoredSet[] = [];
    for (const [producerId, state] of this.producers) {
      if (state.lastSeenMs < expireBeforeMs && state.sets.every((s) => s.status !== 'pending')) {
        this.producers.delete(producerId);
        continue;
      }
      for (const set of state.sets) if (set.status === 'stored') live.push(set.stored!);
    }
    return live;
  }

  get producerCount(): number {
    return this.producers.size;
  }

  private stateOf(producerId: string, nowMs: number): ProducerState {
    let state = this.producers.get(producerId);
    if (state === undefined) {
      state = { sets: [], lastSeenMs: nowMs };
      this.producers.set(producerId, state);
    }
    state.lastSeenMs = nowMs;
    return state;
  }

  private insert(state: ProducerState, set: SetState): void {
    const { sets } = state;
    const existing = sets.findIndex((s) => s.sequence === set.sequence);
    if (existing >= 0) {
      sets[existing] = set; // a later journal entry for the same set (stored again after a failure)
      return;
    }
    let at = sets.length;
    while (at > 0 && sets[at - 1]!.sequence > set.sequence) at -= 1;
    sets.splice(at, 0, set);
    if (sets.length > REMEMBERED_SETS) sets.shift();
  }
}
