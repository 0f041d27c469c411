import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { ZkSession } from '../../coordination/zk/zk-session.js';
import { InvalidArgumentError } from '../errors.js';
import type { MetaZnodes } from '../../coordination/zk/znodes.js';
import { parseTopicBroker } from '../../coordination/zk/znodes.js';
import type { AssignmentStrategy } from '../../coordination/rebalance/strategy.js';

/** Called with a topic's partitions this member should be fetching now (`"<brokerId>-<index>"`). */
export type AssignPartitions = (topic: string, partitions: string[]) => Promise<void>;

/** MetaQ gives up a rebalance after this many attempts (MAX_N_RETRIES, docs/cluster.md). */
const MAX_ATTEMPTS = 7;

/**
 * A consumer's membership of its group in ZooKeeper (docs/cluster.md): its ephemeral ids node, a rebalance
 * (MetaQ's DEFAULT or CONSIST strategy) on every change of members or brokers, and ephemeral
 * owner nodes so no partition has two owners. A released partition stops fetching and commits
 * before its owner node is deleted, so the next owner starts where this one stopped.
 */
export class GroupMembership {
  readonly consumerId: string;
  private readonly owned = new Map<string, Set<string>>();
  /**
   * Partitions surely being fetched, per topic: those of the last assign that returned. An owned
   * partition may not be: its start failed (a moved partition whose old owner is still this
   * member throws REBALANCE_STALE), and the next attempt starts it only after the release.
   */
  private readonly fetching = new Map<string, Set<string>>();
  private running: Promise<void> | undefined;
  private again = false;
  private left = false;

  constructor(
    private readonly session: ZkSession,
    private readonly znodes: MetaZnodes,
    private readonly group: string,
    private readonly topics: readonly string[],
    private readonly assign: AssignPartitions,
    private readonly logger: Logger,
    private readonly retryDelayMs: number,
    private readonly strategy: AssignmentStrategy,
    consumerId?: string,
  ) {
    this.consumerId = `${group}_${consumerId ?? `${hostname()}-${process.pid}-${randomUUID()}`}`;
    session.on('lost', this.fence);
    session.on('established', this.rejoin);
  }

  /** The session may be gone, and with it our owner nodes: stop fetching everything at once. */
  private readonly fence = (): void => {
    this.logger.warn({ group: this.group }, 'ZooKeeper session may be lost: stopping every partition until the group is rejoined');
    const topics = [...this.owned.keys()];
    this.owned.clear();
    this.fetching.clear();
    void Promise.all(topics.map((topic) => this.assign(topic, []))).catch((error: unknown) =>
      this.logger.warn({ err: error }, 'stopping fetchers after session loss failed'),
    );
  };

  /** A session answers again: register (again, if it expired) and rebalance. */
  private readonly rejoin = (): void => {
    if (this.left) return;
    void this.claimMembership()
      .then(() => this.rebalance())
      .catch((error: unknown) => this.logger.error({ err: error, group: this.group }, 'could not rejoin the group'));
  };

  async join(): Promise<void> {
    await this.claimMembership();
    await this.rebalance();
  }

  /**
   * This consumer's id node. One with the same id and topics is this consumer before a restart
   * (its old session not expired yet) and is taken over; one with other topics is another member.
   */
  private async claimMembership(): Promise<void> {
    const path = `${this.znodes.consumerIds(this.group)}/${this.consumerId}`;
    const topics = this.topics.join(',');
    const claim = await this.session.claimEphemeral(path, topics, (holder) => holder === topics);
    if (!claim.claimed)
      throw new InvalidArgumentError(
        `options.consumerId`,
        `${this.consumerId} is already a member of group ${this.group} (subscribed to ${claim.holder}): give each consumer its own consumerId`,
      );
  }

  /** One function for every watch, so repeated attempts do not stack watchers (see ZkSession.getChildren). */
  private readonly onMembershipChange = (): void => void this.rebalance();

  /** Run a rebalance now, or once more after the one in progress. */
  rebalance(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        for (let attempt = 1; attempt <= MAX_ATTEMPTS && !this.left; attempt += 1) {
          // A ZooKeeper error (a session replaced mid-way, say) is a failed attempt, retried.
          const done = await this.rebalanceOnce().catch((error: unknown) => {
            this.logger.warn({ err: error, group: this.group, attempt }, 'rebalance attempt failed');
            return false;
          });
          if (done) break;
          if (attempt === MAX_ATTEMPTS) this.logger.error({ group: this.group }, 'rebalance gave up after 7 attempts; waiting for the next change');
          await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs));
        }
      } while (this.again && !this.left);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** One attempt; false when a partition is still owned by another member. */
  private async rebalanceOnce(): Promise<boolean> {
    const onChange = this.onMembershipChange;
    const members = await this.session.getChildren(this.znodes.consumerIds(this.group), onChange);
    const subscriptions = new Map<string, string[]>();
    for (const member of members)
      subscriptions.set(member, ((await this.session.getData(`${this.znodes.consumerIds(this.group)}/${member}`)) ?? '').split(','));
    let complete = true;
    for (const topic of this.topics) {
      const consumers = members.filter((member) => subscriptions.get(member)?.includes(topic));
      // Masters and their async slaves register the same partitions: count each once (docs/cluster.md, Consumer groups).
      const found = new Set<string>();
      for (const child of await this.session.getChildren(this.znodes.topicsSub(topic), onChange)) {
        const brokerId = /^(\d+)-(m|s\d+)$/.exec(child)?.[1];
        // Watched too: a broker's partition count changes in place when partitions are added or move (docs/cluster.md).
        const info =
          brokerId === undefined
            ? undefined
            : parseTopicBroker((await this.session.getVersioned(`${this.znodes.topicsSub(topic)}/${child}`, onChange))?.data ?? '');
        for (let i = 0; i < (info?.numParts ?? 0); i += 1) found.add(`${brokerId}-${i}`);
      }
      const partitions = [...found];
      const mine = new Set(this.strategy(this.consumerId, consumers, partitions));
      if (!this.session.healthy) return false; // fenced meanwhile: what was read may be stale
      const held = this.owned.get(topic) ?? new Set<string>();
      const kept = [...held].filter((p) => mine.has(p));
      // Stop (and commit) released partitions before giving up their owner nodes. Nothing starts
      // here: a kept partition not fetched yet may be a moved one whose old name this member is
      // about to release, and starting it first would wait for (or throw on) this very member.
      const fetched = this.fetching.get(topic) ?? new Set<string>();
      await this.fetch(
        topic,
        kept.filter((p) => fetched.has(p)),
      );
      for (const partition of held) if (!mine.has(partition)) await this.session.remove(this.znodes.owner(this.group, topic, partition));
      const owned = new Set(kept);
      for (const partition of mine) {
        if (owned.has(partition)) continue;
        // An owner node with our id from before a restart is replaced, or its expiry would drop our claim unseen.
        const claim = await this.session.claimEphemeral(
          this.znodes.owner(this.group, topic, partition),
          this.consumerId,
          (holder) => holder === this.consumerId,
        );
        if (claim.claimed) owned.add(partition);
        else complete = false; // the previous owner has not released it yet
      }
      if (!this.session.healthy) return false;
      this.owned.set(topic, owned);
      await this.fetch(topic, [...owned]);
    }
    return complete;
  }

  /** Assign exactly these partitions; until that returns, only those fetched before and still wanted are surely fetched. */
  private async fetch(topic: string, partitions: string[]): Promise<void> {
    const before = this.fetching.get(topic) ?? new Set<string>();
    this.fetching.set(topic, new Set(partitions.filter((p) => before.has(p))));
    await this.assign(topic, partitions);
    this.fetching.set(topic, new Set(partitions));
  }

  /** Partitions owned now, per topic. */
  ownership(): Map<string, string[]> {
    return new Map([...this.owned].map(([topic, set]) => [topic, [...set].sort()]));
  }

  /** Stop fetching everything (committing), release every owner node, leave the group. */
  async leave(): Promise<void> {
    this.left = true;
    this.session.off('lost', this.fence);
    this.session.off('established', this.rejoin);
    await this.running;
    for (const [topic, partitions] of this.owned) {
      await this.assign(topic, []);
      for (const partition of partitions) await this.session.remove(this.znodes.owner(this.group, topic, partition));
    }
    this.owned.clear();
    this.fetching.clear();
    await this.session.remove(`${this.znodes.consumerIds(this.group)}/${this.consumerId}`);
  }
}
