import type { Logger } from 'pino';
import type { ZkSession } from '../../coordination/zk/zk-session.js';
import type { MetaZnodes } from '../../coordination/zk/znodes.js';
import type { PartitionStores } from '../partition-stores.js';
import type { LinkOptions } from '../replication/link-options.js';
import type { TopicAdmin } from '../topic-admin.js';
import type { MoveFences } from './move-fences.js';

/** What the two ends of an online move need from their broker (docs/cluster.md, moving partitions). */
export interface MoveHost {
  session: ZkSession;
  znodes: MetaZnodes;
  brokerId: number;
  stores: PartitionStores;
  fences: MoveFences;
  topicAdmin: TopicAdmin;
  logger: Logger;
  /** How to reach another broker: TLS (`[tls]`) and the login (`[auth] brokerUser`). */
  link: LinkOptions;
  /** Register a topic again after its partitions moved (fewer here, or one more). */
  reregister(topic: string): Promise<void>;
  /** Keys of open transactions holding messages for the topic. */
  transactionsHolding(topic: string): string[];
  /** Told of every record copied in (the put counters). */
  copied(topic: string, records: number, bytes: number): void;
  /** How long clients get to follow a registration change before what they used goes (`zk.zkSyncTimeMs`). */
  clientsFollowMs: number;
  /** Why this broker cannot take part in a move (a replicated broker), or undefined. */
  refusedBecause(): Promise<string | undefined>;
}

/** How often each end looks at its move when nothing woke it: ZooKeeper watches wake it sooner. */
export const MOVE_TICK_MS = 500;
