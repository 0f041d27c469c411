import { readMove, stepMove } from '../../coordination/zk/reassignments.js';
import type { VersionedMove } from '../../coordination/zk/reassignments.js';
import { carryOffsets, groupsOwning } from './move-offsets.js';
import type { MoveHost } from './move-host.js';
import { MOVE_TICK_MS } from './move-host.js';
import type { MoveWake } from './move-wake.js';

/**
 * The source's part of one online move (docs/cluster.md, moving partitions). While the target
 * copies, it serves the copy's gets like any consumer's. Asked to fence, it stops taking puts for
 * the partition, waits for open transactions holding messages for the topic, flushes, and
 * records its final end. Once switched it withdraws the partition from its registration; when no
 * consumer group owns it here any more it carries the groups' last offsets over, deletes its copy,
 * shrinks the topic's section and marks the move done.
 */
export class MoveSource {
  private readonly label: string;
  /** When this broker withdrew the old partition (this run; a restart waits again). */
  private withdrawnAt: number | undefined;

  constructor(
    private readonly host: MoveHost,
    private readonly key: Pick<VersionedMove, 'topic' | 'source'>,
  ) {
    this.label = `${key.topic} ${key.source.broker}-${key.source.partition}`;
  }

  async run(signal: AbortSignal, wake: MoveWake): Promise<void> {
    const { topic, source } = this.key;
    while (!signal.aborted) {
      const move = await readMove(this.host.session, this.host.znodes, this.key);
      if (move === undefined) {
        // Cancelled before the switch (or its record removed after done): take puts again.
        if (!this.host.fences.isMovedAway(topic, source.partition)) this.host.fences.unfence(topic, source.partition);
        return;
      }
      try {
        if (await this.step(move)) return;
      } catch (error) {
        if (signal.aborted) return;
        this.host.logger.warn({ component: 'moves', move: this.label, err: error }, 'move step failed on the source; retrying');
      }
      await wake.wait(MOVE_TICK_MS);
    }
  }

  /** One look at the move; true once this broker's part is over. */
  private async step(move: VersionedMove): Promise<boolean> {
    const { topic, source } = move;
    const { fences, stores } = this.host;
    switch (move.state) {
      case 'pending':
      case 'copying':
        // The copy needs a store to read from, even of a partition nobody wrote yet.
        if (stores.find(topic, source.partition) === undefined) await stores.getOrCreate(topic, source.partition, false);
        return false;
      case 'fencing':
        await this.fence(move);
        return false;
      case 'fenced':
        fences.fenceMovingOut(topic, source.partition, this.movingText(move));
        return false;
      case 'switched':
        return this.finish(move);
      case 'done':
        return true;
    }
  }

  private movingText(move: VersionedMove): string {
    return `partition ${move.source.broker}-${move.source.partition} of ${move.topic} is moving to broker ${move.target.broker} (as partition ${move.target.broker}-${move.target.partition ?? '?'}); nothing was stored: send to another partition, and clients following ZooKeeper will see the new one shortly`;
  }

  /** Stop taking puts, let what was accepted land, and record where the partition ends. */
  private async fence(move: VersionedMove): Promise<void> {
    const { topic, source } = move;
    const { fences, stores, session, znodes } = this.host;
    const refused = await this.host.refusedBecause();
    if (refused !== undefined) {
      const problem = `the source cannot take part: ${refused}`;
      if (move.problem !== problem) await stepMove(session, znodes, move, { problem });
      return;
    }
    fences.fenceMovingOut(topic, source.partition, this.movingText(move));
    const holding = this.host.transactionsHolding(topic);
    if (holding.length > 0) {
      const problem = `waiting for ${holding.length} open transactions holding messages for ${topic} (metaq tx list)`;
      if (move.problem !== problem) await stepMove(session, znodes, move, { problem });
      return;
    }
    const log = stores.find(topic, source.partition) ?? (await stores.getOrCreate(topic, source.partition, false));
    await log.whenWritten();
    await log.flush();
    const stepped = await stepMove(session, znodes, move, { state: 'fenced', sourceEnd: log.writtenEnd, problem: undefined });
    if (stepped !== undefined) this.host.logger.info({ component: 'moves', move: this.label, end: log.writtenEnd }, 'source fenced: no more puts here');
  }

  /** After the switch: withdraw, wait for the groups to leave, carry their offsets, delete the copy. */
  private async finish(move: VersionedMove): Promise<boolean> {
    const { topic, source, target } = move;
    const { fences, stores, session, znodes, logger } = this.host;
    fences.fenceMovingOut(topic, source.partition, this.movingText(move));
    if (!fences.isMovedAway(topic, source.partition)) {
      fences.markMovedAway(topic, source.partition);
      await this.host.reregister(topic);
      this.withdrawnAt = performance.now();
    }
    // Producers with the old list get a 503 and go elsewhere while the partition is still here;
    // once it is deleted they would get a refusal they do not fail over: give them time to follow.
    this.withdrawnAt ??= performance.now();
    if (performance.now() - this.withdrawnAt < this.host.clientsFollowMs) return false;
    const owning = await groupsOwning(session, znodes, topic, `${source.broker}-${source.partition}`);
    if (owning.length > 0) {
      const problem = `waiting for consumer groups to release the old partition: ${owning.slice(0, 5).join(', ')}${owning.length > 5 ? ', …' : ''}`;
      if (move.problem !== problem) await stepMove(session, znodes, move, { problem });
      return false;
    }
    await carryOffsets(session, znodes, topic, `${source.broker}-${source.partition}`, `${target.broker}-${target.partition!}`);
    const configured = stores.settings(topic)?.numPartitions ?? 0;
    const remaining = fences.registeredCount(topic, source.partition);
    if (remaining < configured) await this.host.topicAdmin.shrinkAfterMove(topic, remaining);
    const size = await stores.removePartition(topic, source.partition);
    fences.unfence(topic, source.partition);
    await stepMove(session, znodes, move, { state: 'done', problem: undefined });
    fences.forgetMovedAway(topic, source.partition);
    await this.host.reregister(topic);
    logger.info({ component: 'moves', move: this.label, deletedBytes: size ?? 0 }, 'move done: the source deleted its copy');
    return true;
  }
}
