import type { ClusterView } from '../client/index.js';

// The `--json` shapes of `metaq cluster` and `metaq tx list`, from the data their text prints.

/** `{brokers, topics, groups}`: what ZooKeeper holds, with null where the text prints ? or -. */
export function clusterJson(view: ClusterView): unknown {
  return {
    brokers: view.brokers.map((b) => ({ brokerId: b.brokerId, url: b.url ?? null })),
    topics: view.topics.map((t) => ({ topic: t.topic, partitions: t.partitions })),
    groups: view.groups.map((g) => ({
      group: g.group,
      members: g.members,
      partitions: g.partitions.map((p) => ({
        topic: p.topic,
        partition: p.partition,
        offset: p.offset ?? null,
        end: p.end ?? null,
        lag: p.lag ?? null,
        owner: p.owner ?? null,
        empty: p.empty,
      })),
    })),
  };
}

/** `stats transactions` lines (`KEY STATE MESSAGES AGE_MS`) of every broker, as `[{broker, key, state, messages, ageMs}]`. */
export function transactionsJson(replies: Map<string, Map<string, string>>): unknown {
  return [...replies].flatMap(([broker, values]) =>
    [...values].map(([key, value]) => {
      const [state, messages, ageMs] = value.split(' ');
      return { broker, key, state: state ?? null, messages: Number(messages), ageMs: Number(ageMs) };
    }),
  );
}
