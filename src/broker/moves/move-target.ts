import { MOVE_COPY_GROUP } from '../../common/internal-groups.js';
import { moveFault } from '../../common/move-faults.js';
import { movedFromPath, readMove, registeredPartitions, stepMove } from '../../coordination/zk/reassignments.js';
import type { VersionedMove } from '../../coordination/zk/reassignments.js';
import { openBrokerLink } from '../replication/broker-link.js';
import type { BrokerLink } from '../replication/broker-link.js';
import { PartitionPuller } from '../replication/partition-puller.js';
import type { PullerSettings } from '../replication/partition-puller.js';
import { carryOffsets } from './move-offsets.js';
import type { MoveHost } from './move-host.js';
import { MOVE_TICK_MS } from './move-host.js';
import type { MoveWake } from './move-wake.js';

/** The target asks the source to fence once it is this close: the rest is copied while producers use other partitions. */
const FENCE_LAG_BYTES = 1024 * 1024;
/** While fenced the partition takes no puts: look at the copy's last stretch this often, not every MOVE_TICK_MS. */
const FENCED_TICK_MS = 20;
/** How often the copy's progress is written to the move's record. */
const PROGRESS_EVERY_MS = 2000;

/**
 * The target's part of one online move (docs/cluster.md, moving partitions): copy the source
 * partition byte for byte to the partition number the plan gave it, under the move's throttle;
 * once close behind (and every partition after it on the source has switched), ask the source to
 * fence; copy to the source's final end without the throttle; then take the partition as its own
 * (server.ini, registration), record where it came from, carry the groups' offsets and mark the
 * move switched. The copy takes no puts until then.
 */
export class MoveTarget {
  private puller: { puller: PartitionPuller; settings: PullerSettings; controller: AbortController; loop: Promise<void>; link: BrokerLink } | undefined;
  private lastProgress = 0;
  /** The partition number the copy has here, once the record was read. */
  private partition: number | undefined;
  private readonly label: string;
  private readonly shortCopyFault = moveFault('shortCopy');

  constructor(
    private readonly host: MoveHost,
    private readonly key: Pick<VersionedMove, 'topic' | 'source'>,
  ) {
    this.label = `${key.topic} ${key.source.broker}-${key.source.partition}`;
  }

  /** One function for the registration watch (the ZooKeeper client keeps one registration per function and path). */
  private readonly onRegistration = (): void => this.wake?.wakeAll();
  private wake: MoveWake | undefined;
  private fenced = false;

  async run(signal: AbortSignal, wake: MoveWake): Promise<void> {
    this.wake = wake;
    try {
      while (!signal.aborted) {
        const move = await readMove(this.host.session, this.host.znodes, this.key).catch(() => 'unknown' as const);
        if (move === undefined) return await this.cancelled();
        try {
          if (move !== 'unknown' && (await this.step(move))) return;
        } catch (error) {
          if (signal.aborted) return;
          this.host.logger.warn({ component: 'moves', move: this.label, err: error }, 'move step failed on the target; retrying');
          // Say it where operators look (metaq reassign --status, the console, metrics), once per change.
          const problem = `target: ${(error as Error).message}`;
          if (move !== 'unknown' && move.problem !== problem) await stepMove(this.host.session, this.host.znodes, move, { problem }).catch(() => undefined);
        }
        await wake.wait(this.fenced ? FENCED_TICK_MS : MOVE_TICK_MS);
      }
    } finally {
      await this.stopCopy();
    }
  }

  get copyStatus(): { localEnd: number; sourceEnd: number; problem: string | undefined } | undefined {
    const p = this.puller?.puller;
    return p === undefined ? undefined : { localEnd: p.localEnd, sourceEnd: p.masterEnd, problem: p.problem };
  }

  /** One look at the move; true once this broker's part is over. */
  private async step(move: VersionedMove): Promise<boolean> {
    const { topic, target } = move;
    const { session, znodes, fences } = this.host;
    const partition = target.partition!;
    this.partition = partition;
    this.fenced = move.state === 'fenced';
    if (move.state === 'switched' || move.state === 'done') return this.adoptOnceWithdrawn(move);
    fences.markArriving(topic, partition);
    fences.fence(
      topic,
      partition,
      `partition ${target.broker}-${partition} of ${topic} is still a copy of ${move.source.broker}-${move.source.partition} being moved here; it takes puts once the move switches`,
    );
    if (move.state === 'pending') {
      const refused = await this.host.refusedBecause();
      if (refused !== undefined) {
        if (move.problem !== refused) await stepMove(session, znodes, move, { problem: `the target cannot take part: ${refused}` });
        return false;
      }
      await stepMove(session, znodes, move, { state: 'copying', problem: undefined });
      return false;
    }
    if (this.shortCopyFault && (move.state === 'fencing' || move.state === 'fenced')) {
      await this.stopCopy(); // the fault: what was copied when the fence was asked for is all there is
      if (move.state === 'fenced') await this.switchOver(move);
      return false;
    }
    const copy = await this.ensureCopy(move);
    if (move.state === 'fenced') {
      copy.settings.bytesPerSecond = 0; // producers wait for this last stretch: copy it at full speed
      if (copy.puller.localEnd >= move.sourceEnd!) await this.switchOver(move);
      else await this.report(move, copy.puller);
      return false;
    }
    if (move.state === 'copying' && (await this.readyToFence(move, copy.puller))) {
      await stepMove(session, znodes, move, { state: 'fencing', targetEnd: copy.puller.localEnd, sourceEnd: copy.puller.masterEnd, problem: undefined });
      return false;
    }
    await this.report(move, copy.puller);
    return false;
  }

  /** Close behind, and the switch would keep both brokers' partitions numbered 0..n-1 as clients expect. */
  private async readyToFence(move: VersionedMove, puller: PartitionPuller): Promise<boolean> {
    const lag = puller.lagBytes;
    if (lag < 0 || lag > FENCE_LAG_BYTES || puller.problem !== undefined) return false;
    const { session, znodes } = this.host;
    const sourceCount = await registeredPartitions(session, znodes, move.topic, move.source.broker);
    const targetCount = await registeredPartitions(session, znodes, move.topic, move.target.broker);
    const partition = move.target.partition!;
    let problem: string | undefined;
    if (sourceCount !== move.source.partition + 1)
      problem = `waiting for broker ${move.source.broker}'s partitions after ${move.source.partition} of ${move.topic} to move first (it registers ${sourceCount}): a broker's partitions are numbered 0..n-1, so moves take its last ones`;
    else if (targetCount < partition)
      problem = `waiting for the moves to broker ${move.target.broker}'s partitions ${targetCount}..${partition - 1} of ${move.topic} to switch first`;
    else if (targetCount > partition)
      problem = `broker ${move.target.broker} registers ${targetCount} partitions of ${move.topic} now, not ${partition} as planned: cancel this move (metaq reassign --cancel) and plan again`;
    if (problem !== undefined && problem !== move.problem) await stepMove(session, znodes, move, { problem });
    return problem === undefined;
  }

  private async report(move: VersionedMove, puller: PartitionPuller): Promise<void> {
    if (performance.now() - this.lastProgress < PROGRESS_EVERY_MS) return;
    const problem = puller.problem === undefined ? undefined : `copying: ${puller.problem}`;
    if (move.targetEnd === puller.localEnd && (move.state === 'fenced' || move.sourceEnd === puller.masterEnd) && move.problem === problem) return;
    this.lastProgress = performance.now();
    const sourceStart = move.sourceStart ?? this.host.stores.find(move.topic, move.target.partition!)?.minOffset;
    const change =
      move.state === 'fenced'
        ? { sourceStart, targetEnd: puller.localEnd, problem }
        : { sourceStart, targetEnd: puller.localEnd, sourceEnd: puller.masterEnd, problem };
    await stepMove(this.host.session, this.host.znodes, move, change);
  }

  /** The copy is complete: make the partition this broker's and tell everyone. */
  private async switchOver(move: VersionedMove): Promise<void> {
    const { topic, source, target } = move;
    const { session, znodes, stores, logger } = this.host;
    const partition = target.partition!;
    const log = stores.find(topic, partition) ?? (await stores.getOrCreate(topic, partition, false));
    await log.whenWritten();
    await log.flush();
    if (log.writtenEnd !== move.sourceEnd && !this.shortCopyFault)
      throw new Error(`the copy ends at ${log.writtenEnd}, not at the source's final ${move.sourceEnd}; it was written by something else: cancel the move`);
    await session.writePersistent(movedFromPath(znodes, topic, target.broker, partition), `${source.broker}-${source.partition}`);
    // Java MetaQ consumers read only the new partition's offset node: start them where the group is now.
    await carryOffsets(session, znodes, topic, `${source.broker}-${source.partition}`, `${target.broker}-${partition}`);
    const stepped = await stepMove(session, znodes, move, { state: 'switched', targetEnd: log.writtenEnd, problem: undefined });
    if (stepped !== undefined) logger.info({ component: 'moves', move: this.label, end: log.writtenEnd }, 'move switched: the copy is complete');
  }

  /**
   * Serve the partition once the source no longer registers the old one: consumers let the old
   * partition go (committing) before the new one appears, so a consumer holding both never waits
   * for itself. A source that is down registers nothing.
   */
  private async adoptOnceWithdrawn(move: VersionedMove): Promise<boolean> {
    const { session, znodes } = this.host;
    // Producers read topics-pub, consumers topics-sub: the old partition must have left both.
    // Woken by the withdrawal itself, not only by the next tick.
    for (const list of ['pub', 'sub'] as const)
      if ((await registeredPartitions(session, znodes, move.topic, move.source.broker, list, this.onRegistration)) > move.source.partition) return false;
    await this.adopt(move);
    this.host.logger.info(
      { component: 'moves', move: this.label, partition: `${move.target.broker}-${move.target.partition}` },
      'this broker serves the moved partition',
    );
    return true;
  }

  /** The partition is this broker's: in server.ini and the registration, taking puts. Idempotent. */
  private async adopt(move: VersionedMove): Promise<void> {
    const { topic } = move;
    const partition = move.target.partition!;
    const configured = this.host.stores.settings(topic)?.numPartitions ?? 0;
    const own = this.host.topicAdmin.hasOwnSection(topic);
    // Take puts before clients learn of it: the copy is complete, and a producer told of the
    // partition must not find it still refusing.
    this.host.fences.forgetArriving(topic, partition);
    this.host.fences.unfence(topic, partition);
    if (!own || configured < partition + 1) await this.host.topicAdmin.adoptMoved(topic, partition + 1);
    else await this.host.reregister(topic);
  }

  private async ensureCopy(move: VersionedMove): Promise<NonNullable<MoveTarget['puller']>> {
    if (this.puller !== undefined) return this.puller;
    const { session, znodes, stores, logger, link } = this.host;
    const url = await session.getData(znodes.master(move.source.broker));
    if (url === undefined || url === '') throw new Error(`broker ${move.source.broker} is not registered in ZooKeeper: waiting for it to come back`);
    const connection = openBrokerLink(url, link);
    const settings: PullerSettings = {
      topic: move.topic,
      partition: move.source.partition,
      localPartition: move.target.partition!,
      link: connection,
      stores,
      group: MOVE_COPY_GROUP,
      maxDelayMs: 200,
      logger,
      copied: (topic, records, bytes) => this.host.copied(topic, records, bytes),
      bytesPerSecond: move.throttleBytesPerSecond,
    };
    const puller = new PartitionPuller(settings);
    const controller = new AbortController();
    this.puller = { puller, settings, controller, loop: puller.run(controller.signal), link: connection };
    logger.info(
      { component: 'moves', move: this.label, from: url, partition: `${move.target.broker}-${move.target.partition}` },
      'copying a partition moved here',
    );
    return this.puller;
  }

  private async stopCopy(): Promise<void> {
    const copy = this.puller;
    this.puller = undefined;
    if (copy === undefined) return;
    copy.controller.abort();
    await copy.loop;
    await copy.link.close();
  }

  /** The move's record is gone before the switch: drop the copy, unless the partition became this broker's. */
  private async cancelled(): Promise<void> {
    await this.stopCopy();
    const { stores, fences, logger } = this.host;
    const { topic } = this.key;
    const partition = this.partition;
    if (partition === undefined || (stores.settings(topic)?.numPartitions ?? 0) > partition) return;
    fences.unfence(topic, partition);
    fences.forgetArriving(topic, partition);
    await stores.removePartition(topic, partition);
    await this.host.reregister(topic);
    logger.warn({ component: 'moves', move: this.label, partition }, 'move cancelled: the copy here was deleted');
  }
}
