import type { CorruptRange } from './segment.js';

/** What a partition log tells its listeners. */
export interface PartitionLogEvents {
  /**
   * Every write as soon as it is in the file (before any fsync), with the bytes exactly as
   * written at absolute offset `start`. Listeners may keep views of `bytes` (a sync master streams
   * them to its slave), so while there is one, framed sets are not released for reuse.
   */
  written: (start: number, bytes: Buffer) => void;
  /** Every write, after `written`, the same way; listeners must not keep `bytes` (message tracing). */
  traced: (start: number, bytes: Buffer) => void;
  /** Each corrupt range found while serving reads (a sync master repairs it from its slave). */
  corrupt: (range: CorruptRange) => void;
}

/** Subscribing to a source of typed events; `on` returns the function that unsubscribes. */
export interface Listenable<Events> {
  on<K extends keyof Events>(event: K, listener: Events[K]): () => void;
}

/** Shared by every event without listeners, so asking allocates nothing. */
const NONE: readonly never[] = [];

type EventMap<Events> = { [K in keyof Events]: (...args: never[]) => void };

/**
 * A typed multi-listener source: several listeners per event, each removable. The lists are
 * replaced, never changed in place, so an emitter may walk the array `listeners` returned while
 * a listener unsubscribes, and emitting allocates nothing.
 */
export class ListenerSource<Events extends EventMap<Events>> implements Listenable<Events> {
  private readonly lists: Partial<Record<keyof Events, readonly unknown[]>> = {};

  on<K extends keyof Events>(event: K, listener: Events[K]): () => void {
    this.lists[event] = [...(this.lists[event] ?? []), listener];
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      const list = [...(this.lists[event] ?? [])];
      list.splice(list.indexOf(listener), 1);
      this.lists[event] = list;
    };
  }

  /** The current listeners of `event`, to call in order. */
  listeners<K extends keyof Events>(event: K): ReadonlyArray<Events[K]> {
    return (this.lists[event] ?? NONE) as ReadonlyArray<Events[K]>;
  }
}
