import type { Logger } from 'pino';
import { Status } from '../../protocol/status.js';
import { brokerStatus } from '../../protocol/broker-error.js';
import type { BrokerError } from '../../protocol/broker-error.js';
import { decodeSyncReply } from '../../protocol/commands/sync.js';
import { decodeSyncEndReply } from '../../protocol/commands/sync-end.js';
import { iterateRecords, RECORD_HEADER_SIZE } from '../../protocol/record.js';
import type { PartitionStore } from '../../storage/partition-store.js';
import type { BrokerConnection } from '../../client/transport/broker-connection.js';

/** Bytes sent to the slave and not yet confirmed before catch-up waits for confirmations. */
const CATCH_UP_WINDOW = 8 * 1024 * 1024;
/** Bytes read from the log per catch-up step. */
const CATCH_UP_READ = 1024 * 1024;

export type StreamState = 'syncing' | 'live' | 'diverged' | 'closed';

interface Waiter {
  end: number;
  deadline: number;
  done: (error: string | undefined) => void;
}

export interface StreamSettings {
  topic: string;
  partition: number;
  log: PartitionStore;
  link: BrokerConnection;
  timeoutMs: number;
  retryMs: number;
  logger: Logger;
}

/**
 * One partition of a sync master, mirrored on its slave record for record with `sync` frames,
 * so both logs hold the same bytes at the same offsets. Every write to the master's log is
 * streamed as soon as it is in the file; a put is acknowledged once the slave confirmed its
 * record's end. When the link breaks or the slave refuses a frame, the stream asks the slave
 * where its copy ends (`syncend`) and resends from there out of the master's log: catch-up and
 * live replication are one path. A slave whose copy does not fit the master's log (longer, or
 * confirming a record at another offset) is never written to again: that partition refuses
 * puts until an operator resolves it.
 */
export class ReplicaStream {
  state: StreamState = 'syncing';
  /** End of what was sent to the slave, in log order. */
  private sentEnd = -1;
  /** End of what the slave confirmed: consumers of the master read no further (the slave has it all). */
  ackedEnd = -1;
  private waiters: Waiter[] = [];
  private progress: Array<() => void> = [];
  private generation = 0;
  /** The link's connection the current stream was opened on (`syncend`); on any other, it starts over. */
  private connection = -1;
  problem: string | undefined;

  private readonly stopFollowing: () => void;

  constructor(private readonly s: StreamSettings) {
    this.stopFollowing = s.log.events.on('written', (start, bytes) => this.written(start, bytes));
    void this.synchronise(this.generation);
  }

  /** End of the master's log. */
  get end(): number {
    return this.s.log.writtenEnd;
  }

  get lagBytes(): number {
    return this.ackedEnd < 0 ? this.s.log.writtenEnd - this.s.log.minOffset : this.s.log.writtenEnd - this.ackedEnd;
  }

  /** Caught up with everything written so far. */
  get inSync(): boolean {
    return this.state === 'live' && this.ackedEnd === this.s.log.writtenEnd;
  }

  /** Call `done` once the slave holds everything up to `end`, or with the reason it may not. */
  whenReplicated(end: number, done: (error: string | undefined) => void): void {
    if (this.ackedEnd >= end) return done(undefined);
    if (this.state === 'diverged' || this.state === 'closed') return done(this.problem ?? 'replication to the slave is stopped');
    this.waiters.push({ end, deadline: performance.now() + this.s.timeoutMs, done });
  }

  /** Fail the waiters whose time is up (the master's sweep calls this). */
  expire(now: number): void {
    let expired = 0;
    while (expired < this.waiters.length && this.waiters[expired]!.deadline <= now) expired += 1;
    if (expired === 0) return;
    const late = this.waiters.splice(0, expired);
    const why =
      this.slaveRefusal === undefined
        ? ''
        : ` because it refuses this master's replication (${this.slaveRefusal}; [auth] brokerUser must be an admin user of the slave)`;
    const reason = `the slave did not confirm within ${this.s.timeoutMs} ms (sendToSlaveTimeoutInMills)${why}; the message is stored on the master and may still reach the slave, so it may have been stored`;
    for (const waiter of late) waiter.done(reason);
  }

  private written(start: number, bytes: Buffer): void {
    if (this.state !== 'live') return; // catch-up reads it from the log
    if (start !== this.sentEnd || !this.s.link.isConnected || this.s.link.connectionNumber !== this.connection) {
      this.resync(start !== this.sentEnd ? `a write at ${start} does not follow what was sent (${this.sentEnd})` : 'the link to the slave was lost');
      return;
    }
    this.send(bytes, start);
  }

  /** Send every whole record of `bytes` (read at `start`); returns the bytes consumed. */
  private send(bytes: Buffer, start: number): number {
    const { topic, partition, link } = this.s;
    const generation = this.generation;
    let consumed = 0;
    for (const record of iterateRecords(bytes)) {
      const offset = start + record.position;
      const end = offset + record.size;
      link
        .request(
          (opaque) => ({
            kind: 'sync',
            topic,
            partition,
            flag: record.flag,
            msgId: record.id,
            checksum: record.checksum,
            offset,
            opaque,
            body: record.payload,
          }),
          this.s.timeoutMs * 4,
          `sync ${topic}-${partition}@${offset}`,
        )
        .then(
          (reply) => {
            let slaveOffset: number;
            try {
              slaveOffset = decodeSyncReply(reply);
            } catch (error) {
              // The reason reaches the waiting puts' 500 text: the slave's status and words, as before the codecs.
              const refusal = error as BrokerError;
              const why = refusal.status === 0 ? 'unexpected value reply' : `${refusal.status} ${refusal.reason}`;
              return this.refused(generation, `the slave refused the record at ${offset}: ${why}`);
            }
            this.confirmed(offset, end, slaveOffset);
          },
          (error: unknown) => this.refused(generation, `sending the record at ${offset} failed: ${(error as Error).message}`),
        );
      consumed = record.position + record.size;
    }
    this.sentEnd = start + consumed;
    return consumed;
  }

  private confirmed(offset: number, end: number, slaveOffset: number): void {
    if (slaveOffset !== offset) {
      this.diverge(`the slave stored the record the master has at ${offset} at ${slaveOffset}: the two copies no longer line up`);
      return;
    }
    if (end > this.ackedEnd) this.advance(end);
  }

  private refused(generation: number, reason: string): void {
    if (generation === this.generation && this.state !== 'diverged' && this.state !== 'closed') this.resync(reason);
  }

  private advance(end: number): void {
    this.ackedEnd = end;
    let released = 0;
    while (released < this.waiters.length && this.waiters[released]!.end <= end) released += 1;
    if (released > 0) for (const waiter of this.waiters.splice(0, released)) waiter.done(undefined);
    for (const wake of this.progress.splice(0)) wake();
  }

  /** Start over from where the slave's copy ends; waiting puts fail now (their outcome is unknown). */
  resync(reason: string): void {
    if (this.state === 'diverged' || this.state === 'closed') return;
    this.s.logger.warn(
      { component: 'replication', partition: `${this.s.topic}-${this.s.partition}`, reason },
      'replication to the slave interrupted; resynchronising',
    );
    this.generation += 1;
    this.state = 'syncing';
    this.failWaiters(
      `replication to the slave was interrupted (${reason}); the message is stored on the master and will be replicated once the slave is back, so it may have been stored`,
    );
    for (const wake of this.progress.splice(0)) wake();
    void this.synchronise(this.generation);
  }

  private diverge(reason: string): void {
    this.state = 'diverged';
    this.problem = `partition ${this.s.topic}-${this.s.partition} is not replicated: ${reason}; puts to it are refused until an operator compares both copies and removes the slave's`;
    this.s.logger.error({ component: 'replication', partition: `${this.s.topic}-${this.s.partition}`, reason }, 'slave copy diverged from the master');
    this.generation += 1;
    this.failWaiters(this.problem);
  }

  /** Why the slave refuses this master's replication (its login's rights, 401), while it does. */
  slaveRefusal: string | undefined;

  private noteRefusal(refusal: string | undefined): void {
    if (refusal !== undefined && refusal !== this.slaveRefusal) {
      this.s.logger.error(
        { component: 'replication', partition: `${this.s.topic}-${this.s.partition}`, refusal },
        "the sync slave refuses this master's replication: [auth] brokerUser must be an admin user of the slave",
      );
    }
    this.slaveRefusal = refusal;
  }

  private failWaiters(reason: string): void {
    for (const waiter of this.waiters.splice(0)) waiter.done(reason);
  }

  /** Handshake, then resend from the slave's end until caught up; retried until it works or the stream is replaced. */
  private async synchronise(generation: number): Promise<void> {
    const { log, link, topic, partition } = this.s;
    while (generation === this.generation) {
      try {
        await link.waitConnected(this.s.timeoutMs);
        const connection = link.connectionNumber;
        const reply = await link.request(
          (opaque) => ({ kind: 'syncend', topic, partition, startOffset: log.minOffset, opaque }),
          this.s.timeoutMs * 4,
          `syncend ${topic}-${partition}`,
        );
        if (generation !== this.generation) return;
        if (link.connectionNumber !== connection) throw new Error('the link to the slave was replaced during the handshake');
        this.connection = connection;
        let slaveEnd: number;
        try {
          slaveEnd = decodeSyncEndReply(reply);
          this.noteRefusal(undefined);
        } catch (error) {
          this.noteRefusal(brokerStatus(error) === Status.unauthorized ? (error as BrokerError).reason : undefined);
          throw error;
        }
        if (!Number.isSafeInteger(slaveEnd) || slaveEnd > log.writtenEnd || slaveEnd < log.minOffset) {
          this.diverge(`the slave's copy ends at ${slaveEnd}, outside the master's log ${log.minOffset}..${log.writtenEnd}`);
          return;
        }
        this.sentEnd = slaveEnd;
        if (slaveEnd > this.ackedEnd) this.advance(slaveEnd);
        else this.ackedEnd = slaveEnd;
        await this.catchUp(generation);
        return;
      } catch (error) {
        if (generation !== this.generation) return;
        this.s.logger.debug({ component: 'replication', err: error, partition: `${topic}-${partition}` }, 'slave not reachable; retrying');
        await new Promise((resolve) => setTimeout(resolve, this.s.retryMs));
      }
    }
  }

  private async catchUp(generation: number): Promise<void> {
    const log = this.s.log;
    let readSize = CATCH_UP_READ;
    while (generation === this.generation) {
      if (this.sentEnd === log.writtenEnd) {
        this.state = 'live'; // from here every write is streamed as it happens
        return;
      }
      if (this.sentEnd - this.ackedEnd > CATCH_UP_WINDOW) {
        await new Promise<void>((resolve) => this.progress.push(resolve));
        continue;
      }
      const at = this.sentEnd;
      const bytes = await log.read(at, readSize);
      if (generation !== this.generation) return;
      if (!this.s.link.isConnected || this.s.link.connectionNumber !== this.connection) throw new Error('the link to the slave was lost');
      if (this.send(bytes, at) === 0) {
        // One record larger than the read: read it whole next time.
        readSize = Math.max(readSize, RECORD_HEADER_SIZE + (bytes.length >= 4 ? bytes.readInt32BE(0) : 0));
      }
    }
  }

  close(reason: string): void {
    this.state = 'closed';
    this.generation += 1;
    this.problem = reason;
    this.failWaiters(reason);
    this.stopFollowing();
  }
}
