import { MetaqError } from '../common/errors.js';

/** Why a put cannot be given a store; the handler turns it into MetaQ's reply text. */
export class StoreRefusal extends MetaqError {}

export interface StoreLimits {
  /** Topics one broker may hold (0: no limit). */
  maxTopics: number;
  /** Partitions one broker may hold, all topics together (0: no limit). */
  maxPartitions: number;
}

/** A topic-partition a transaction will create at its commit. */
export interface StoreName {
  topic: string;
  partition: number;
}

/** Partitions held against the limits for an undecided transaction; `release` once it is committed or rolled back. */
export interface StoreReservation {
  release(): void;
}

const NO_RESERVATION: StoreReservation = { release: () => undefined };

/**
 * How many topics and partitions this broker holds, against `[system] maxTopics` and
 * `maxPartitions`. Every store costs memory, a flush timer and descriptors while its files are
 * open, so a client that creates topics without end would otherwise take the broker down
 * (start-up, shutdown and /metrics all grow with it). A store is counted from the moment its
 * creation starts, so concurrent first puts cannot overshoot the limit together.
 */
export class StoreBudget {
  /** Partitions per topic, stores being opened included. */
  private readonly partitionsByTopic = new Map<string, Set<number>>();
  private partitionCount = 0;
  /** Puts refused because they would have created a store past a limit. */
  refusals = { topics: 0, partitions: 0 };
  /** Replica stores created past a limit (a slave follows its master; see `reserveReplica`). */
  replicaOverruns = 0;
  /**
   * Partitions reserved by decided-but-uncommitted transactions (how many reservations each):
   * counted as held, so that neither a plain put nor another transaction takes the room a
   * prepared transaction's commit was promised. Bounded by the limits (nothing is kept without one).
   */
  private readonly reserved = new Map<string, Map<number, number>>();

  constructor(private readonly limits: StoreLimits) {}

  get topics(): number {
    return this.partitionsByTopic.size;
  }

  get partitions(): number {
    return this.partitionCount;
  }

  /** Whether a new store for this partition fits the limits, as `check` decides, without counting a refusal. */
  fits(topic: string, partition: number): boolean {
    return this.overrun(topic, partition) === undefined;
  }

  /**
   * Why a topic with `numPartitions` partitions, all of them created, would not fit the limits,
   * or undefined if it would: a topic created or grown by an operator is checked whole up front
   * rather than refused one put at a time later.
   */
  topicFits(topic: string, numPartitions: number): string | undefined {
    const { maxTopics, maxPartitions } = this.limits;
    const counted = this.countedTotals();
    let fresh = 0;
    for (let partition = 0; partition < numPartitions; partition++) if (!this.counted(topic, partition)) fresh += 1;
    if (!this.countedTopic(topic) && maxTopics > 0 && counted.topics + 1 > maxTopics)
      return `too many topics: this broker holds ${counted.topics} topics${this.reservedNote()}, its limit (maxTopics=${maxTopics}); remove unused topics or raise [system] maxTopics`;
    if (maxPartitions > 0 && counted.partitions + fresh > maxPartitions)
      return `too many partitions: ${topic} with ${numPartitions} partitions needs ${fresh} more and this broker holds ${counted.partitions}${this.reservedNote()} of its limit (maxPartitions=${maxPartitions}); ask for fewer, remove unused topics, or raise [system] maxPartitions`;
    return undefined;
  }

  /** Which limit a new store for this partition would pass, if any (reserved ones counted as held). */
  private overrun(topic: string, partition: number): 'topics' | 'partitions' | undefined {
    // Reserved for a transaction: creating it now takes no more room than was set aside.
    if (this.counted(topic, partition)) return undefined;
    const { maxTopics, maxPartitions } = this.limits;
    const counted = this.countedTotals();
    if (!this.countedTopic(topic) && maxTopics > 0 && counted.topics >= maxTopics) return 'topics';
    if (maxPartitions > 0 && counted.partitions >= maxPartitions) return 'partitions';
    return undefined;
  }

  /** Throw StoreRefusal unless a new store for this partition fits the limits (reserved ones counted as held). */
  check(topic: string, partition: number): void {
    const limit = this.overrun(topic, partition);
    if (limit === undefined) return;
    const { maxTopics, maxPartitions } = this.limits;
    const counted = this.countedTotals();
    if (limit === 'topics') {
      this.refusals.topics += 1;
      throw new StoreRefusal(
        'TOO_MANY_TOPICS',
        `too many topics: this broker holds ${counted.topics} topics${this.reservedNote()}, its limit (maxTopics=${maxTopics}), so topic ${topic} is not created; write to an existing topic, remove unused ones, or raise [system] maxTopics`,
      );
    }
    this.refusals.partitions += 1;
    throw new StoreRefusal(
      'TOO_MANY_PARTITIONS',
      `too many partitions: this broker holds ${counted.partitions} partitions${this.reservedNote()}, its limit (maxPartitions=${maxPartitions}), so partition ${topic}-${partition} is not created; write to an existing partition, remove unused topics, or raise [system] maxPartitions`,
    );
  }

  /**
   * Reserve the stores a transaction will create at its commit, all at once, or throw
   * StoreRefusal (nothing reserved) if together they do not fit. `force` reserves past the
   * limits: a transaction prepared before a restart was promised its commit.
   */
  reserve(wanted: readonly StoreName[], what: string, force = false): StoreReservation {
    const { maxTopics, maxPartitions } = this.limits;
    if (maxTopics === 0 && maxPartitions === 0) return NO_RESERVATION;
    const fresh = new Map<string, StoreName>();
    for (const name of wanted) if (!this.counted(name.topic, name.partition)) fresh.set(`${name.topic}-${name.partition}`, name);
    const newTopics = new Set([...fresh.values()].map(({ topic }) => topic).filter((topic) => !this.countedTopic(topic)));
    const counted = this.countedTotals();
    if (!force && newTopics.size > 0 && maxTopics > 0 && counted.topics + newTopics.size > maxTopics) {
      this.refusals.topics += 1;
      throw new StoreRefusal(
        'TOO_MANY_TOPICS',
        `too many topics: ${what} would create ${newTopics.size} new topics (${listed(newTopics)}) and this broker holds ${counted.topics}${this.reservedNote()}, past its limit (maxTopics=${maxTopics}); write to existing topics, split it into smaller transactions, remove unused topics, or raise [system] maxTopics`,
      );
    }
    if (!force && fresh.size > 0 && maxPartitions > 0 && counted.partitions + fresh.size > maxPartitions) {
      this.refusals.partitions += 1;
      throw new StoreRefusal(
        'TOO_MANY_PARTITIONS',
        `too many partitions: ${what} would create ${fresh.size} new partitions (${listed(fresh.keys())}) and this broker holds ${counted.partitions}${this.reservedNote()}, past its limit (maxPartitions=${maxPartitions}); write to existing partitions, split it into smaller transactions, remove unused topics, or raise [system] maxPartitions`,
      );
    }
    const names = [...fresh.values()];
    for (const { topic, partition } of names) {
      let partitions = this.reserved.get(topic);
      if (partitions === undefined) this.reserved.set(topic, (partitions = new Map<number, number>()));
      partitions.set(partition, (partitions.get(partition) ?? 0) + 1);
    }
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        for (const { topic, partition } of names) this.unreserve(topic, partition);
      },
    };
  }

  /** Whether a store for this partition would go past a limit (for replicas, which are never refused). */
  wouldOverrun(topic: string): boolean {
    const { maxTopics, maxPartitions } = this.limits;
    const counted = this.countedTotals();
    return (maxTopics > 0 && !this.countedTopic(topic) && counted.topics >= maxTopics) || (maxPartitions > 0 && counted.partitions >= maxPartitions);
  }

  /** Count a store (found on disk, created, or being created). */
  add(topic: string, partition: number): void {
    let partitions = this.partitionsByTopic.get(topic);
    if (partitions === undefined) this.partitionsByTopic.set(topic, (partitions = new Set<number>()));
    if (partitions.has(partition)) return;
    partitions.add(partition);
    this.partitionCount += 1;
  }

  /** Stop counting a store (its creation failed). */
  remove(topic: string, partition: number): void {
    const partitions = this.partitionsByTopic.get(topic);
    if (partitions?.delete(partition) !== true) return;
    this.partitionCount -= 1;
    if (partitions.size === 0) this.partitionsByTopic.delete(topic);
  }

  /** Held topics and partitions plus those reserved and not created yet. */
  private countedTotals(): { topics: number; partitions: number } {
    let topics = this.partitionsByTopic.size;
    let partitions = this.partitionCount;
    for (const [topic, reserved] of this.reserved) {
      const held = this.partitionsByTopic.get(topic);
      if (held === undefined) topics += 1;
      for (const partition of reserved.keys()) if (held?.has(partition) !== true) partitions += 1;
    }
    return { topics, partitions };
  }

  private countedTopic(topic: string): boolean {
    return this.partitionsByTopic.has(topic) || this.reserved.has(topic);
  }

  private counted(topic: string, partition: number): boolean {
    return this.partitionsByTopic.get(topic)?.has(partition) === true || this.reserved.get(topic)?.has(partition) === true;
  }

  private reservedNote(): string {
    return this.reserved.size > 0 ? ' (counting those reserved by prepared or committing transactions)' : '';
  }

  private unreserve(topic: string, partition: number): void {
    const partitions = this.reserved.get(topic);
    const count = partitions?.get(partition);
    if (partitions === undefined || count === undefined) return;
    if (count > 1) partitions.set(partition, count - 1);
    else partitions.delete(partition);
    if (partitions.size === 0) this.reserved.delete(topic);
  }
}

/** A few names of a refused transaction's stores, enough to recognise it. */
function listed(names: Iterable<string>): string {
  const all = [...names];
  return all.length > 5 ? `${all.slice(0, 5).join(', ')}, …` : all.join(', ');
}
