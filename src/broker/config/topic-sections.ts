import { parseBrokerConfig } from './broker-config.js';
import type { BrokerConfig } from './broker-config.js';

/** The `[topic=…]` sections of a server.ini text, each with its lines, in order. */
function splitSections(text: string): { head: string[]; topics: string[][] } {
  const head: string[] = [];
  const topics: string[][] = [];
  let inTopic = false;
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed.startsWith('[')) inTopic = trimmed.slice(1).trim().startsWith('topic=');
    if (inTopic && trimmed.startsWith('[')) topics.push([line]);
    else if (inTopic) topics[topics.length - 1]!.push(line);
    else head.push(line);
  }
  return { head, topics };
}

/**
 * A slave's server.ini with its master's topic sections (docs/replication.md, autoSyncMasterConfig): its own `[system]`,
 * `[zookeeper]` and `[replication]` stay (its port, data path and role are its own), every
 * `[topic=…]` section becomes the master's. Undefined when the topic sections already agree.
 */
export function withMasterTopics(local: BrokerConfig, masterText: string): BrokerConfig | undefined {
  const master = parseBrokerConfig(masterText, "the master's server.ini");
  const same = JSON.stringify(master.topics.map(comparable)) === JSON.stringify(local.topics.map(comparable));
  if (same) return undefined;
  const head = splitSections(local.text).head.join('\n').trimEnd();
  const topics = splitSections(masterText).topics.map((section) => section.join('\n').trimEnd());
  return parseBrokerConfig(`${head}\n\n${topics.join('\n\n')}\n`, local.file);
}

function comparable(topic: BrokerConfig['topics'][number]): unknown {
  return { ...topic, filters: [...topic.filters] };
}
