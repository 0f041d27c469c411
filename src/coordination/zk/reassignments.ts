import { MetaqError } from '../../common/errors.js';
import { topicNameProblem } from '../../common/names.js';
import type { ZkSession } from './zk-session.js';
import { isBadVersion, isNoNode, isNodeExists } from './zk-session.js';
import type { MetaZnodes } from './znodes.js';
import { parseTopicBroker } from './znodes.js';

/**
 * The steps of an online partition move (docs/cluster.md, moving partitions), in order:
 * `pending` (planned), `copying` (the target copies the source's log at the same offsets),
 * `fencing` (the target is caught up and asks the source to stop taking puts), `fenced` (the
 * source stopped at `sourceEnd`), `switched` (the target holds every byte to `sourceEnd`, serves
 * the partition and is registered; the source has withdrawn it), `done` (the source deleted its
 * copy once no consumer group still owned it).
 */
export const MOVE_STATES = ['pending', 'copying', 'fencing', 'fenced', 'switched', 'done'] as const;
export type MoveState = (typeof MOVE_STATES)[number];

export interface MoveRecord {
  topic: string;
  source: { broker: number; partition: number };
  /** `partition` is chosen by the target when it starts copying: the next number it has for the topic. */
  target: { broker: number; partition?: number };
  state: MoveState;
  /** Bumped by every step; each step is a versioned write, so two writers cannot both take one. */
  epoch: number;
  /** Copy rate limit of this move in bytes per second; 0 = none. */
  throttleBytesPerSecond: number;
  /** First offset of the source's log when copying started (the copy starts there too). */
  sourceStart?: number;
  /** The source's end as last seen by the target while copying, and its final end once fenced. */
  sourceEnd?: number;
  /** The target's end as last reported. */
  targetEnd?: number;
  /** Why the move is not progressing, as last seen by the party that drives it. */
  problem?: string;
  created: string;
  updated: string;
}

/** A move as read, with the znode version a step must name. */
export type VersionedMove = MoveRecord & { version: number };

export function moveKey(topic: string, sourceBroker: number, sourcePartition: number): string {
  return `${topic}/${sourceBroker}-${sourcePartition}`;
}

/** Where moves live: `<root>/metaq/reassignments/<topic>/<sourceBroker>-<sourcePartition>`. */
export function reassignmentsRoot(znodes: MetaZnodes): string {
  return `${znodes.root}/metaq/reassignments`;
}

/** The origin of a partition that arrived by a move: `<root>/metaq/moved-from/<topic>/<broker>-<partition>`, data `<broker>-<partition>`. */
export function movedFromPath(znodes: MetaZnodes, topic: string, broker: number, partition: number): string {
  return `${znodes.root}/metaq/moved-from/${topic}/${broker}-${partition}`;
}

export function parseMove(data: string): MoveRecord | undefined {
  try {
    const m = JSON.parse(data) as Partial<MoveRecord>;
    // The topic becomes a store's directory name on the target: the one name rule first.
    if (typeof m.topic !== 'string' || topicNameProblem(m.topic) !== undefined || typeof m.epoch !== 'number' || !MOVE_STATES.includes(m.state as MoveState))
      return undefined;
    if (typeof m.source?.broker !== 'number' || typeof m.source.partition !== 'number' || typeof m.target?.broker !== 'number') return undefined;
    return m as MoveRecord;
  } catch {
    return undefined;
  }
}

/** Every move recorded in ZooKeeper, by topic then source partition; unreadable nodes are skipped. `watch` fires on a change of the set of topics or of a topic's moves. */
export async function readMoves(session: ZkSession, znodes: MetaZnodes, watch?: () => void): Promise<VersionedMove[]> {
  const root = reassignmentsRoot(znodes);
  const moves: VersionedMove[] = [];
  // A child watch needs the node: create the root so the first move recorded wakes every broker.
  if (watch !== undefined) await session.ensure(root);
  for (const topic of (await session.getChildren(root, watch)).sort()) {
    const children = await session.getChildren(`${root}/${topic}`, watch);
    for (const child of children.sort(bySourcePartition)) {
      const node = await session.getVersioned(`${root}/${topic}/${child}`, watch);
      const move = node === undefined ? undefined : parseMove(node.data);
      if (move !== undefined) moves.push({ ...move, version: node!.version });
    }
  }
  return moves;
}

function bySourcePartition(a: string, b: string): number {
  const [ab, ap] = a.split('-').map(Number);
  const [bb, bp] = b.split('-').map(Number);
  return ab! - bb! || ap! - bp!;
}

function movePath(znodes: MetaZnodes, move: Pick<MoveRecord, 'topic' | 'source'>): string {
  return `${reassignmentsRoot(znodes)}/${move.topic}/${move.source.broker}-${move.source.partition}`;
}

/** Record a planned move; refused when the partition already has a move that is not done. */
export async function addMove(session: ZkSession, znodes: MetaZnodes, move: MoveRecord): Promise<void> {
  const path = movePath(znodes, move);
  await session.ensure(`${reassignmentsRoot(znodes)}/${move.topic}`);
  try {
    await session.create(path, JSON.stringify(move), 'persistent');
  } catch (error) {
    if (!isNodeExists(error)) throw error;
    const existing = await session.getVersioned(path);
    const old = existing === undefined ? undefined : parseMove(existing.data);
    if (old !== undefined && old.state !== 'done')
      throw new MetaqError(
        'MOVE_IN_PROGRESS',
        `partition ${move.source.broker}-${move.source.partition} of ${move.topic} is already being moved (${old.state}); see metaq reassign --status`,
      );
    await session.setData(path, JSON.stringify(move), existing?.version ?? -1);
  }
}

/**
 * Take the next step: write `change` over `seen` if nobody wrote since (versioned). Returns the
 * new record, or undefined when someone else wrote first (re-read and decide again).
 */
export async function stepMove(session: ZkSession, znodes: MetaZnodes, seen: VersionedMove, change: Partial<MoveRecord>): Promise<VersionedMove | undefined> {
  const { version, ...record } = seen;
  const next: MoveRecord = {
    ...record,
    ...change,
    epoch: record.epoch + (change.state !== undefined && change.state !== record.state ? 1 : 0),
    updated: new Date().toISOString(),
  };
  try {
    await session.setData(movePath(znodes, seen), JSON.stringify(next), version);
    return { ...next, version: version + 1 };
  } catch (error) {
    if (isBadVersion(error) || isNoNode(error)) return undefined;
    throw error;
  }
}

/** Remove a finished move's record. */
export async function removeMove(session: ZkSession, znodes: MetaZnodes, move: Pick<MoveRecord, 'topic' | 'source'>): Promise<void> {
  await session.remove(movePath(znodes, move));
}

/** One move as it is now, or undefined when its record is gone (cancelled, or removed after it finished). */
export async function readMove(
  session: ZkSession,
  znodes: MetaZnodes,
  key: Pick<MoveRecord, 'topic' | 'source'>,
  watch?: () => void,
): Promise<VersionedMove | undefined> {
  const node = await session.getVersioned(movePath(znodes, key), watch);
  const move = node === undefined ? undefined : parseMove(node.data);
  return move === undefined ? undefined : { ...move, version: node!.version };
}

/**
 * How many partitions of a topic a broker registers as master (0 when it does not), as clients
 * see it: producers in topics-pub, consumers in topics-sub (`list`); `either` takes the one it
 * has, for a topic that accepts only publish or only subscribe there. `watch` fires once when a
 * node read changes, appears or goes.
 */
export async function registeredPartitions(
  session: ZkSession,
  znodes: MetaZnodes,
  topic: string,
  broker: number,
  list: 'pub' | 'sub' | 'either' = 'either',
  watch?: () => void,
): Promise<number> {
  for (const path of list === 'pub'
    ? [znodes.topicsPub(topic)]
    : list === 'sub'
      ? [znodes.topicsSub(topic)]
      : [znodes.topicsPub(topic), znodes.topicsSub(topic)]) {
    const parsed = parseTopicBroker((await session.getVersioned(`${path}/${broker}-m`, watch))?.data ?? '');
    if (parsed !== undefined) return parsed.numParts;
  }
  return 0;
}
