import type { BrokerConfig, TopicConfig } from './config/broker-config.js';

/** What a topic reload changed (docs/operations.md, reload). */
export interface TopicReload {
  added: string[];
  changed: string[];
  removed: string[];
  /** Sections that differ from the running config: they take effect only after a restart. */
  needRestart: string[];
}

function comparableTopic(topic: TopicConfig): string {
  return JSON.stringify({ ...topic, filters: [...topic.filters] });
}

/**
 * Compare the running topics with a freshly read file. Sections other than topics are compared
 * with the text as loaded (`loaded`), so command-line overrides (--port, --data) do not count as edits.
 */
export function topicReload(running: BrokerConfig, fresh: BrokerConfig, loaded: BrokerConfig): TopicReload {
  const before = new Map(running.topics.map((t) => [t.name, comparableTopic(t)]));
  const after = new Map(fresh.topics.map((t) => [t.name, comparableTopic(t)]));
  return {
    added: [...after.keys()].filter((name) => !before.has(name)),
    changed: [...after.keys()].filter((name) => before.has(name) && before.get(name) !== after.get(name)),
    removed: [...before.keys()].filter((name) => !after.has(name)),
    needRestart: (['system', 'zookeeper', 'replication', 'http'] as const).filter(
      (section) => JSON.stringify(fresh[section]) !== JSON.stringify(loaded[section]),
    ),
  };
}
