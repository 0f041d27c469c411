import type { Broker } from '../../broker/broker.js';
import { readTopic } from './topic-view.js';
import type { TopicView } from './topic-view.js';

export interface TopicListQuery {
  limit: number;
  /** The last topic name of the previous page: this page starts after it. */
  after: string | undefined;
  /** Case-insensitive substring of the names to keep; empty keeps all. */
  q: string;
}

export interface TopicPage {
  topics: TopicView[];
  /** Topics matching the filter, on every page together. */
  total: number;
  /** Index of this page's first topic among the matching ones (0 on the first page). */
  start: number;
  /** `after` for the next page, or null on the last one. */
  next: string | null;
}

export interface TopicTotals {
  topics: number;
  partitions: number;
  messages: number;
  sizeBytes: number;
}

/** Every topic this broker stores or is configured for (wildcard sections name no topic). */
function topicNameSet(broker: Broker): Set<string> {
  const names = new Set(broker.stores.all().keys());
  for (const section of broker.config.topics) if (!section.name.includes('*')) names.add(section.name);
  return names;
}

/** The same names in the list's one order: by name (code units; names are ASCII). */
export function topicNames(broker: Broker): string[] {
  return [...topicNameSet(broker)].sort();
}

/**
 * One page of topics by name. Only the page's topics get their partition details built, so a
 * page costs the same with 10,000 partitions as with ten; the rest is names only.
 */
export function readTopicPage(broker: Broker, query: TopicListQuery): TopicPage {
  const needle = query.q.toLowerCase();
  const all = topicNames(broker);
  const matching = needle === '' ? all : all.filter((name) => name.toLowerCase().includes(needle));
  const start = query.after === undefined ? 0 : firstAfter(matching, query.after);
  const names = matching.slice(start, start + query.limit);
  const last = names[names.length - 1];
  return {
    topics: names.map((name) => readTopic(broker, name)).filter((topic) => topic !== undefined),
    total: matching.length,
    start,
    next: last !== undefined && start + names.length < matching.length ? last : null,
  };
}

/** Counts and sums over every topic, read from the logs' counters without building any view. */
export function readTopicTotals(broker: Broker): TopicTotals {
  let partitions = 0;
  let messages = 0;
  let sizeBytes = 0;
  for (const logs of broker.stores.all().values()) {
    for (const log of logs.values()) {
      partitions += 1;
      messages += log.messageCount;
      sizeBytes += log.sizeInBytes;
    }
  }
  return { topics: topicNameSet(broker).size, partitions, messages, sizeBytes };
}

/** Index of the first name above `after` in sorted `names` (the cursor need not exist any more). */
function firstAfter(names: readonly string[], after: string): number {
  let low = 0;
  let high = names.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (names[middle]! <= after) low = middle + 1;
    else high = middle;
  }
  return low;
}
