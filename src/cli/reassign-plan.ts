import type { ZkSession } from '../coordination/zk/zk-session.js';
import type { MetaZnodes } from '../coordination/zk/znodes.js';
import { registeredPartitions } from '../coordination/zk/reassignments.js';

/** One partition to move: `<source>-<partition>` of a topic to the next partition number of `target`. */
export interface PlannedMove {
  topic: string;
  source: { broker: number; partition: number };
  target: { broker: number; partition: number };
}

/** What the cluster registers now: live master broker ids, and each topic's partition count per broker. */
export interface ClusterLayout {
  brokers: number[];
  topics: Map<string, Map<number, number>>;
}

/** What to plan: empty a broker before it is removed, fill a new one, or move named partitions. */
export type PlanRequest =
  | { kind: 'drain'; broker: number; topics?: string[] }
  | { kind: 'add'; broker: number; topics?: string[] }
  | { kind: 'moves'; moves: Array<{ topic: string; source: number; count: number; target: number }> };

/** Read the layout clients see: masters under /brokers/ids, partition counts from each topic's registrations. */
export async function readLayout(session: ZkSession, znodes: MetaZnodes): Promise<ClusterLayout> {
  const brokers: number[] = [];
  for (const id of await session.getChildren(znodes.brokerIds())) {
    if (/^\d+$/.test(id) && (await session.getData(znodes.master(Number(id)))) !== undefined) brokers.push(Number(id));
  }
  const topics = new Map<string, Map<number, number>>();
  for (const topic of await session.getChildren(`${znodes.root}/brokers/topics`)) {
    const counts = new Map<number, number>();
    for (const child of await session.getChildren(`${znodes.root}/brokers/topics/${topic}`)) {
      const match = /^(\d+)-m$/.exec(child);
      if (match === null) continue;
      const count = await registeredPartitions(session, znodes, topic, Number(match[1]));
      if (count > 0) counts.set(Number(match[1]), count);
    }
    if (counts.size > 0) topics.set(topic, counts);
  }
  return { brokers: brokers.sort((a, b) => a - b), topics };
}

/**
 * The moves a request needs. A broker's partitions are numbered 0..n-1 (MetaQ clients assume
 * it), so moves take a broker's last partitions, highest first, and each lands on its target's
 * next number. Targets are chosen to even out each topic's partitions over the brokers.
 */
export function planMoves(layout: ClusterLayout, request: PlanRequest): PlannedMove[] {
  const wanted: Array<{ topic: string; source: number; partition: number; target: number }> = [];
  const counts = new Map([...layout.topics].map(([topic, perBroker]) => [topic, new Map(perBroker)]));
  const countOf = (topic: string, broker: number): number => counts.get(topic)?.get(broker) ?? 0;
  const shift = (topic: string, from: number, to: number): void => {
    const perBroker = counts.get(topic)!;
    perBroker.set(from, countOf(topic, from) - 1);
    perBroker.set(to, countOf(topic, to) + 1);
  };
  if (request.kind === 'moves') {
    for (const m of request.moves) {
      const have = countOf(m.topic, m.source);
      if (m.count > have) throw new Error(`broker ${m.source} registers ${have} partitions of ${m.topic}, fewer than the ${m.count} asked to move`);
      for (let i = 0; i < m.count; i += 1) {
        wanted.push({ topic: m.topic, source: m.source, partition: countOf(m.topic, m.source) - 1, target: m.target });
        shift(m.topic, m.source, m.target);
      }
    }
  } else {
    if (!layout.brokers.includes(request.broker)) throw new Error(`broker ${request.broker} is not registered as a master in ZooKeeper`);
    const others = layout.brokers.filter((b) => b !== request.broker);
    if (others.length === 0) throw new Error('there is no other broker to move partitions to or from');
    for (const topic of [...counts.keys()].sort()) {
      if (request.topics !== undefined && !request.topics.includes(topic)) continue;
      if (request.kind === 'drain') {
        while (countOf(topic, request.broker) > 0) {
          const target = fewest(others, (b) => countOf(topic, b));
          wanted.push({ topic, source: request.broker, partition: countOf(topic, request.broker) - 1, target });
          shift(topic, request.broker, target);
        }
      } else {
        for (;;) {
          const source = most(others, (b) => countOf(topic, b));
          if (countOf(topic, source) - countOf(topic, request.broker) < 2) break;
          wanted.push({ topic, source, partition: countOf(topic, source) - 1, target: request.broker });
          shift(topic, source, request.broker);
        }
      }
    }
  }
  return numberTargets(layout, wanted);
}

/**
 * Give each move its target partition: its target's count now plus the moves before it. Ordered
 * by topic, source and source partition from the highest, which is also the order moves switch
 * in, so no move waits for one that waits for it.
 */
function numberTargets(layout: ClusterLayout, wanted: Array<{ topic: string; source: number; partition: number; target: number }>): PlannedMove[] {
  const next = new Map<string, number>();
  const ordered = [...wanted].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.source - b.source || b.partition - a.partition));
  return ordered.map((m) => {
    const key = `${m.topic}\n${m.target}`;
    const partition = next.get(key) ?? layout.topics.get(m.topic)?.get(m.target) ?? 0;
    next.set(key, partition + 1);
    return { topic: m.topic, source: { broker: m.source, partition: m.partition }, target: { broker: m.target, partition } };
  });
}

function fewest(brokers: number[], count: (b: number) => number): number {
  return brokers.reduce((best, b) => (count(b) < count(best) ? b : best));
}

function most(brokers: number[], count: (b: number) => number): number {
  return brokers.reduce((best, b) => (count(b) > count(best) ? b : best));
}

/**
 * Why a plan cannot run on this layout, or undefined: every source partition exists, each
 * broker's moved partitions of a topic are its last ones, and each target's numbers follow on.
 */
export function planProblem(layout: ClusterLayout, moves: readonly PlannedMove[]): string | undefined {
  const bySource = new Map<string, number[]>();
  const byTarget = new Map<string, number[]>();
  for (const m of moves) {
    if (m.source.broker === m.target.broker) return `${m.topic} ${m.source.broker}-${m.source.partition}: source and target are the same broker`;
    const have = layout.topics.get(m.topic)?.get(m.source.broker) ?? 0;
    if (m.source.partition < 0 || m.source.partition >= have)
      return `${m.topic} ${m.source.broker}-${m.source.partition}: broker ${m.source.broker} registers ${have} partitions of ${m.topic}`;
    push(bySource, `${m.topic}\n${m.source.broker}`, m.source.partition);
    push(byTarget, `${m.topic}\n${m.target.broker}`, m.target.partition);
  }
  for (const [key, partitions] of bySource) {
    const [topic, broker] = key.split('\n');
    const have = layout.topics.get(topic!)?.get(Number(broker)) ?? 0;
    const sorted = [...partitions].sort((a, b) => b - a);
    if (sorted.some((p, i) => p !== have - 1 - i))
      return `${topic}: broker ${broker}'s moved partitions must be its last ones (${have - sorted.length}..${have - 1}), got ${[...partitions].sort((a, b) => a - b).join(', ')}: MetaQ clients number a broker's partitions 0..n-1`;
  }
  for (const [key, partitions] of byTarget) {
    const [topic, broker] = key.split('\n');
    const have = layout.topics.get(topic!)?.get(Number(broker)) ?? 0;
    const sorted = [...partitions].sort((a, b) => a - b);
    if (sorted.some((p, i) => p !== have + i))
      return `${topic}: moves to broker ${broker} must take its next partition numbers (${have}..${have + sorted.length - 1}), got ${sorted.join(', ')}`;
  }
  return undefined;
}

function push(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
