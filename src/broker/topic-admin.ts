import { ConfigError, MetaqError } from '../common/errors.js';
import { topicNameProblem } from '../common/names.js';
import type { BrokerConfig, TopicConfig } from './config/broker-config.js';
import { parseBrokerConfig, topicMatches, topicSettings } from './config/broker-config.js';
import { topicKeys } from './config/config-keys.js';
import type { TopicEntry } from './config/topic-section-edit.js';
import { topicSectionEntries, withoutTopicSection, withTopicSection } from './config/topic-section-edit.js';
import type { PartitionStores } from './partition-stores.js';
import { StoreRefusal } from './store-budget.js';

/** What a create or alter asks for; keys are `[topic=…]` keys (docs/operations.md, topics). */
export interface TopicChange {
  partitions?: number;
  set?: Record<string, string>;
  unset?: string[];
}

/** A topic's own section after a change, as the admin API answers it. */
export interface TopicDefinition {
  topic: string;
  numPartitions: number;
  /** The `[topic=…]` section's keys as written. */
  section: Record<string, string>;
  /** Where the change was kept. */
  file: string;
}

export interface TopicDeletion {
  topic: string;
  partitions: Array<{ partition: number; sizeBytes: number }>;
  /** A wildcard section that still accepts the name (a put creates it again, empty), or null. */
  acceptedBy: string | null;
  file: string;
}

/** What topic administration needs from the broker it changes. */
export interface TopicAdminHost {
  readonly config: BrokerConfig;
  readonly stores: PartitionStores;
  /** Keep `text` where the next start reads it; returns the path. */
  save(text: string): Promise<string>;
  /** Make `topics` and `text` the running configuration (settings, schedules, ZooKeeper). */
  apply(topics: TopicConfig[], text: string): Promise<void>;
  /** Withdraw a deleted topic's registration (cluster mode). */
  withdrawTopic(topic: string): Promise<void>;
  /** Why deleting a topic here would leave a replica behind (a slave of this broker, or this broker a slave), or undefined. */
  replicatedBecause(): Promise<string | undefined>;
  /** Keys of open transactions holding messages for the topic. */
  transactionsHolding(topic: string): string[];
  /** Run one configuration change at a time (with reloads and a slave's copy of its master's topics). */
  serially<T>(change: () => Promise<T>): Promise<T>;
}

const MAX_PARTITIONS = 100_000;

/**
 * Create, alter and delete topics of a running broker (`metaq topic`, the admin API). Each change
 * is an edit of the `[topic=…]` sections of the broker's server.ini, written before it is applied,
 * so a restart, a `reload` and a slave following its master's config all see the same topics.
 */
export class TopicAdmin {
  constructor(private readonly host: TopicAdminHost) {}

  create(topic: string, change: TopicChange): Promise<TopicDefinition> {
    return this.host.serially(() => this.createNow(topic, change));
  }

  alter(topic: string, change: TopicChange): Promise<TopicDefinition> {
    return this.host.serially(() => this.alterNow(topic, change));
  }

  delete(topic: string): Promise<TopicDeletion> {
    return this.host.serially(() => this.deleteNow(topic));
  }

  /** Whether the topic has a `[topic=…]` section of its own (not only a wildcard's). */
  hasOwnSection(topic: string): boolean {
    return ownSection(this.host.config, topic) !== undefined;
  }

  /**
   * A partition moved here online is now this broker's (docs/cluster.md, moving partitions): the
   * topic gets its own section with `partitions` partitions, created from the wildcard section
   * that accepts the name when it has none. Its store exists already (the copy), so unlike
   * create this does not refuse a topic with stored partitions.
   */
  adoptMoved(topic: string, partitions: number): Promise<TopicDefinition> {
    return this.host.serially(async () => {
      const { config } = this.host;
      const own = ownSection(config, topic);
      const entries = own === undefined ? inheritedEntries(config, topic) : (topicSectionEntries(config.text, topic) ?? []);
      return this.write(topic, plan(config, topic, applyChange(entries, { partitions })));
    });
  }

  /**
   * This broker's last partitions of a topic moved away and were deleted: its section now has
   * `partitions` (at least 1); with none left the section goes, as a topic delete would remove it.
   */
  shrinkAfterMove(topic: string, partitions: number): Promise<void> {
    return this.host.serially(async () => {
      const { config } = this.host;
      const own = ownSection(config, topic);
      if (partitions === 0 && own !== undefined && config.topics.length === 1) {
        // A broker needs one topic section: this one stays, closed to producers and consumers.
        const closed = applyChange(topicSectionEntries(config.text, topic) ?? [], { set: { acceptPublish: 'false', acceptSubscribe: 'false' } });
        await this.write(topic, plan(config, topic, closed));
        return;
      }
      if (partitions === 0) {
        if (own === undefined) return;
        const text = withoutTopicSection(config.text, topic);
        await this.host.save(text);
        await this.host.apply(parseBrokerConfig(text, changedWhere(config)).topics, text);
        return;
      }
      const entries = own === undefined ? inheritedEntries(config, topic) : (topicSectionEntries(config.text, topic) ?? []);
      await this.write(topic, plan(config, topic, applyChange(entries, { partitions })));
    });
  }

  private async createNow(topic: string, change: TopicChange): Promise<TopicDefinition> {
    checkName(topic);
    const { config, stores } = this.host;
    if (ownSection(config, topic) !== undefined || stores.all().has(topic))
      throw new MetaqError('TOPIC_EXISTS', `topic ${topic} already exists on this broker; change it with \`metaq topic alter ${topic}\``);
    const planned = plan(config, topic, applyChange(inheritedEntries(config, topic), change));
    const fits = stores.budget.topicFits(topic, planned.numPartitions);
    if (fits !== undefined) throw new StoreRefusal('TOO_MANY_PARTITIONS', fits);
    return this.write(topic, planned);
  }

  private async alterNow(topic: string, change: TopicChange): Promise<TopicDefinition> {
    checkName(topic);
    const { config, stores } = this.host;
    const own = ownSection(config, topic);
    if (own === undefined && !stores.all().has(topic)) throw notFound(topic);
    const before = stores.settings(topic)?.numPartitions ?? config.system.numPartitions;
    const entries = applyChange(own === undefined ? inheritedEntries(config, topic) : (topicSectionEntries(config.text, topic) ?? []), change);
    const planned = plan(config, topic, entries);
    const movedFrom = stores.settings(topic)?.dataPath;
    const movedTo = topicSettings(planned.config, topic)?.dataPath;
    if (stores.all().has(topic) && movedFrom !== movedTo)
      throw new ConfigError(
        `topic ${topic} has partitions stored in ${movedFrom}; changing its dataPath to ${movedTo} would hide them (a restart reads partitions from the new path only). Move the directories with the broker stopped instead`,
      );
    const after = planned.numPartitions;
    if (after < before)
      throw new ConfigError(
        `topic ${topic} has ${before} partitions and partitions can only be added: its messages and consumers' offsets are in the partitions that would go. To have fewer, delete the topic and create it again`,
      );
    const fits = stores.budget.topicFits(topic, after);
    if (fits !== undefined) throw new StoreRefusal('TOO_MANY_PARTITIONS', fits);
    return this.write(topic, planned);
  }

  private async deleteNow(topic: string): Promise<TopicDeletion> {
    checkName(topic);
    const { config, stores } = this.host;
    const own = ownSection(config, topic);
    if (own === undefined && !stores.all().has(topic)) throw notFound(topic);
    const replicated = await this.host.replicatedBecause();
    if (replicated !== undefined)
      throw new MetaqError(
        'BROKER_REFUSED',
        `topic ${topic} is not deleted: ${replicated}, and a replica would keep copying from (or into) a log that is gone; stop replication for it first, or delete the partitions with the brokers stopped (metaq delete-partitions)`,
      );
    // Their commit was promised a place to write: it would fail, or recreate the topic, after a delete.
    const holding = this.host.transactionsHolding(topic);
    if (holding.length > 0)
      throw new MetaqError(
        'BROKER_REFUSED',
        `topic ${topic} has messages in ${holding.length} open transactions (${holding.slice(0, 3).join(', ')}${holding.length > 3 ? ', …' : ''}); commit or roll them back first (metaq tx list), then delete`,
      );
    let text = config.text;
    if (own !== undefined) {
      if (config.topics.length === 1)
        throw new ConfigError(
          `[topic=${topic}] is the only topic section of this broker's configuration and a broker needs one; create another topic (or [topic=*]) first`,
        );
      text = withoutTopicSection(text, topic);
    }
    const fresh = parseBrokerConfig(text, changedWhere(config));
    const file = await this.host.save(text);
    await this.host.apply(fresh.topics, text);
    const partitions = await stores.removeTopic(topic);
    const acceptedBy = fresh.topics.find((t) => topicMatches(t.name, topic))?.name ?? null;
    if (acceptedBy === null) await this.host.withdrawTopic(topic);
    return { topic, partitions, acceptedBy, file };
  }

  private async write(topic: string, planned: PlannedSection): Promise<TopicDefinition> {
    const file = await this.host.save(planned.text);
    await this.host.apply(planned.config.topics, planned.text);
    return { topic, numPartitions: planned.numPartitions, section: Object.fromEntries(planned.entries), file };
  }
}

interface PlannedSection {
  entries: TopicEntry[];
  text: string;
  config: BrokerConfig;
  numPartitions: number;
}

/** The configuration with the topic's section as `entries`, checked by the same parser as a start. */
function plan(config: BrokerConfig, topic: string, entries: TopicEntry[]): PlannedSection {
  const text = withTopicSection(config.text, topic, entries);
  const fresh = parseBrokerConfig(text, changedWhere(config));
  const numPartitions = fresh.topics.find((t) => t.name === topic)?.numPartitions ?? fresh.system.numPartitions;
  return { entries, text, config: fresh, numPartitions };
}

/** Where a parse error of a changed text points: the line numbers are of the text as it would be written. */
function changedWhere(config: BrokerConfig): string {
  return `${config.file ?? 'the built-in configuration'} (as this change would write it)`;
}

function checkName(topic: string): void {
  const problem = topicNameProblem(topic);
  if (problem !== undefined) throw new ConfigError(problem);
}

function notFound(topic: string): MetaqError {
  return new MetaqError('NOT_FOUND', `topic ${topic} does not exist on this broker: it has no [topic=${topic}] section and no stored partitions`);
}

function ownSection(config: BrokerConfig, topic: string): TopicConfig | undefined {
  return config.topics.find((t) => t.name === topic);
}

/** A new section starts from the wildcard section that accepts the name, so it keeps the settings it would have had. */
function inheritedEntries(config: BrokerConfig, topic: string): TopicEntry[] {
  const wildcard = config.topics.find((t) => t.name !== topic && topicMatches(t.name, topic));
  return wildcard === undefined ? [] : (topicSectionEntries(config.text, wildcard.name) ?? []);
}

function applyChange(entries: readonly TopicEntry[], change: TopicChange): TopicEntry[] {
  const values = new Map(entries);
  for (const key of change.unset ?? []) {
    checkKey(key);
    values.delete(key);
  }
  for (const [key, value] of Object.entries(change.set ?? {})) {
    checkKey(key);
    if (/[\r\n]/.test(value)) throw new ConfigError(`the value of ${key} must be one line`);
    values.set(key, value);
  }
  if (change.partitions !== undefined) {
    if (!Number.isInteger(change.partitions) || change.partitions < 1 || change.partitions > MAX_PARTITIONS)
      throw new ConfigError(`partitions must be a whole number from 1 to ${MAX_PARTITIONS}, got ${change.partitions}`);
    values.set('numPartitions', String(change.partitions));
  }
  return [...values.entries()];
}

/** Topic keys, and `group.<group>` server-side filters (docs/protocol.md, get). */
function checkKey(key: string): void {
  if (Object.hasOwn(topicKeys, key) || /^group\.[A-Za-z0-9._-]{1,249}$/.test(key)) return;
  throw new ConfigError(`${JSON.stringify(key)} is not a topic setting; the settings are ${Object.keys(topicKeys).join(', ')} and group.<group>`);
}
