import { RetentionClock } from './retention-clock.js';
import { dirname, join } from 'node:path';
import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';
import { TOPIC_NAME_RULE, isTopicName, topicNameProblem } from '../common/names.js';
import { forEachBounded } from '../common/bounded-all.js';
import type { FileIO } from '../storage/io/file-io.js';
import { defaultOpenFileBudget } from '../storage/io/descriptor-limit.js';
import { OpenFileCache } from '../storage/io/open-file-cache.js';
import { makeDirDurably } from '../storage/durable-dir.js';
import { PartitionLog } from '../storage/partition-log.js';
import type { PartitionStore } from '../storage/partition-store.js';
import { TailCache } from '../storage/tail-cache.js';
import { applyRetention, parseRetentionPolicy } from '../storage/retention.js';
import type { BrokerConfig, EffectiveTopicSettings } from './config/broker-config.js';
import { topicSettings } from './config/broker-config.js';
import { StorageLatency } from './stats/storage-latency.js';
import { SCHEDULE_DIR } from './delayed/delayed-messages.js';
import { TRACE_DIR } from './tracing/trace-book.js';
import { StoreBudget, StoreRefusal } from './store-budget.js';
import { CreationWaiters } from './creation-waiters.js';

/** What else the broker keeps in a data path (transaction journal, trace, delayed messages). */
const OWN_DIRECTORIES = new Set(['transactions', TRACE_DIR, SCHEDULE_DIR]);

/** A partition number that reads back as the same directory: 0 to 99,999 (numPartitions is at most 100,000). */
function partitionProblem(partition: number): string | undefined {
  return Number.isInteger(partition) && partition >= 0 && partition < 100_000 ? undefined : `invalid partition ${partition}: a partition is 0 to 99999`;
}

/** `<topic>-<partition>` as the broker names a partition's directory, or undefined for any other name. */
export function partitionDirectory(name: string): { topic: string; partition: number } | undefined {
  const dash = name.lastIndexOf('-');
  const digits = name.slice(dash + 1);
  const topic = name.slice(0, dash);
  if (dash <= 0 || !/^(0|[1-9][0-9]{0,4})$/.test(digits) || !isTopicName(topic)) return undefined;
  return { topic, partition: Number(digits) };
}

export { StoreRefusal };

/** A deleted topic's partition directory while its files are removed (`removeTopic`). */
const DELETING_SUFFIX = '.deleting';

/** Remove a directory of files (a partition has no subdirectories) and make that durable. */
async function removeDirectory(io: FileIO, dir: string): Promise<void> {
  for (const name of await io.list(dir)) await io.unlink(join(dir, name));
  await io.rmdir(dir);
  await io.syncDir(dirname(dir));
}

/** Partitions opened or closed at once at start and stop: each takes a few descriptors meanwhile. */
const OPEN_CLOSE_CONCURRENCY = 16;
/** Topic names whose settings are remembered. */
const SETTINGS_CACHE_ENTRIES = 50_000;

/**
 * Every topic-partition log of this broker (MetaQ's MessageStoreManager): loaded from the data
 * directories at start, created lazily by the first put, retired on the `deleteWhen` schedule.
 */
export class PartitionStores {
  private readonly logs = new Map<string, Map<number, PartitionStore>>();
  private readonly opening = new Map<string, Promise<PartitionStore>>();
  private readonly jobs: Cron[] = [];
  private idleCloses: NodeJS.Timeout | undefined;
  /** The newest bytes of every partition, under one budget (`tailCacheBytes`). */
  readonly tailCache: TailCache;
  /** Told of every store created after start (cluster mode registers new topics, a sync master streams them). */
  readonly created = new Set<(topic: string, partition: number, log: PartitionStore) => void>();
  /** Waiting gets for partitions not created yet. */
  private readonly creationWaiters = new CreationWaiters();
  /** Topics whose stores are being deleted (`removeTopic`): no store of theirs is created meanwhile. */
  private readonly removing = new Set<string>();
  /** Directories found at start that are not partitions (logged, never served). */
  foreignDirectories = 0;
  /** Settings per topic name, resolved once: puts and gets look them up on every request. */
  private readonly settingsCache = new Map<string, EffectiveTopicSettings | undefined>();

  constructor(
    private readonly config: BrokerConfig,
    private readonly io: FileIO,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {
    this.tailCache = new TailCache(config.system.tailCacheBytes);
    const { maxOpenSegmentFiles, maxTopics, maxPartitions } = config.system;
    this.files = new OpenFileCache(io, maxOpenSegmentFiles > 0 ? maxOpenSegmentFiles : defaultOpenFileBudget());
    this.budget = new StoreBudget({ maxTopics, maxPartitions });
    this.retentionClock = new RetentionClock(clock, config.system.clockJumpToleranceMs, logger);
  }

  /** The partition logs' files, under one descriptor budget (`maxOpenSegmentFiles`). */
  readonly files: OpenFileCache;
  /** Topics and partitions held, against `maxTopics` and `maxPartitions`. */
  readonly budget: StoreBudget;

  /** The wall clock as retention trusts it: a forward jump pauses deletion by age (N7). */
  readonly retentionClock: RetentionClock;

  /** Every store's write and fsync timings, for whoever listens (metrics). */
  readonly latency = new StorageLatency();

  settings(topic: string): EffectiveTopicSettings | undefined {
    if (!this.settingsCache.has(topic)) {
      // Names of refused puts are cached too: start over rather than grow with every name a client invents.
      if (this.settingsCache.size >= SETTINGS_CACHE_ENTRIES) this.settingsCache.clear();
      this.settingsCache.set(topic, topicSettings(this.config, topic));
    }
    return this.settingsCache.get(topic);
  }

  /** An existing store, or undefined (gets never create stores: they answer 404, docs/protocol.md, get). */
  find(topic: string, partition: number): PartitionStore | undefined {
    return this.logs.get(topic)?.get(partition);
  }

  /**
   * Throw StoreRefusal unless a put to this topic and partition would be stored (an existing store
   * always is). `budgeted: false` skips maxTopics/maxPartitions, for records already accepted:
   * a committed transaction (its new stores reserved at its decision) or a due delayed set
   * (checked when it was scheduled).
   */
  checkAccepts(topic: string, partition: number, budgeted = true): void {
    if (this.find(topic, partition) !== undefined) return;
    if (this.removing.has(topic))
      throw new StoreRefusal('STORAGE_CLOSED', `topic ${topic} is being deleted by an operator; its partitions are not created again until that is done`);
    const settings = this.settings(topic);
    if (settings === undefined) throw new StoreRefusal('TOPIC_NOT_ACCEPTED', `The server do not accept topic ${topic}`);
    if (partition < 0 || partition >= settings.numPartitions) throw new StoreRefusal('WRONG_PARTITION', `wrong partition ${partition}`);
    if (budgeted && !this.opening.has(`${topic}-${partition}`)) this.budget.check(topic, partition);
  }

  /**
   * Hold a waiting get for a partition a put would create now but none has yet: `wake` once it is
   * created or after `timeoutMs`. Undefined (nothing held) for a partition a put would refuse.
   * Returns the wait's cancel.
   */
  whenCreated(topic: string, partition: number, timeoutMs: number, wake: () => void): (() => void) | undefined {
    const settings = this.settings(topic);
    const accepted =
      topicNameProblem(topic) === undefined &&
      partitionProblem(partition) === undefined &&
      settings !== undefined &&
      partition < settings.numPartitions &&
      (this.opening.has(`${topic}-${partition}`) || this.budget.fits(topic, partition));
    return accepted ? this.creationWaiters.add(topic, partition, timeoutMs, wake) : undefined;
  }

  /** Waiting gets held for partitions not created yet (a gauge). */
  get waitingForCreation(): number {
    return this.creationWaiters.size;
  }

  /** The store for a put, created on first use; refuses unknown topics and partitions. */
  getOrCreate(topic: string, partition: number, budgeted = true): PartitionStore | Promise<PartitionStore> {
    const existing = this.find(topic, partition);
    if (existing !== undefined) return existing;
    this.checkAccepts(topic, partition, budgeted);
    return this.create(topic, partition, undefined);
  }

  /**
   * The store a replica writes its master's records to: any topic and partition the master has,
   * whatever this broker's own topic sections say, created empty at the master's first offset so
   * that offsets match (docs/replication.md).
   */
  getOrCreateReplica(topic: string, partition: number, startOffset: number): PartitionStore | Promise<PartitionStore> {
    const existing = this.find(topic, partition);
    if (existing !== undefined) return existing;
    // Never refused: the master already acknowledged these records, and a slave that dropped
    // them would lose them at failover. Going past the limit is counted and logged instead.
    if (!this.opening.has(`${topic}-${partition}`) && this.budget.wouldOverrun(topic)) {
      this.budget.replicaOverruns += 1;
      this.logger.warn(
        { component: 'storage', topic, partition, topics: this.budget.topics, partitions: this.budget.partitions },
        'replica partition created past maxTopics/maxPartitions: raise them on this broker to match its master',
      );
    }
    return this.create(topic, partition, startOffset);
  }

  private create(topic: string, partition: number, startOffset: number | undefined): Promise<PartitionStore> {
    // The last line before a name becomes a path: every caller has checked it already.
    const problem = topicNameProblem(topic) ?? partitionProblem(partition);
    if (problem !== undefined) return Promise.reject(new StoreRefusal('INVALID_TOPIC', problem));
    const key = `${topic}-${partition}`;
    let opening = this.opening.get(key);
    if (opening === undefined) {
      this.budget.add(topic, partition);
      opening = this.open(topic, partition, this.settings(topic), startOffset).finally(() => this.opening.delete(key));
      opening.catch(() => this.budget.remove(topic, partition));
      void opening.then(
        (log) => {
          for (const listener of this.created) listener(topic, partition, log);
          this.creationWaiters.created(topic, partition);
        },
        () => undefined,
      );
      this.opening.set(key, opening);
    }
    return opening;
  }

  private async open(topic: string, partition: number, settings: EffectiveTopicSettings | undefined, offsetIfCreate?: number): Promise<PartitionStore> {
    const effective = settings ?? this.fallbackSettings();
    const log = await PartitionLog.open({
      dir: join(effective.dataPath, `${topic}-${partition}`),
      io: this.files,
      logger: this.logger.child({ component: 'storage', partition: `${topic}-${partition}` }),
      clock: this.clock,
      unflushThreshold: effective.unflushThreshold,
      unflushInterval: effective.unflushInterval,
      maxSegmentSize: this.config.system.maxSegmentSize,
      offsetIfCreate,
      timings: this.latency,
      tail: this.tailCache.budgetBytes > 0 ? this.tailCache.partition() : undefined,
      keyIndex: effective.keyIndex,
      recoveryPointIntervalMs: this.config.system.recoveryPointIntervalMs,
    });
    let partitions = this.logs.get(topic);
    if (partitions === undefined) this.logs.set(topic, (partitions = new Map<number, PartitionStore>()));
    partitions.set(partition, log);
    this.budget.add(topic, partition);
    return log;
  }

  /** Settings for stores found on disk whose topic is no longer configured (they are still served). */
  private fallbackSettings(): EffectiveTopicSettings {
    return this.config.system;
  }

  /** Load every `<topic>-<partition>` directory under the configured data paths (docs/storage.md). */
  async loadAll(): Promise<void> {
    const paths = new Set([this.config.system.dataPath, ...this.config.topics.flatMap((t) => (t.dataPath ? [t.dataPath] : []))]);
    const found: Array<{ topic: string; partition: number }> = [];
    for (const path of paths) {
      await makeDirDurably(this.io, path);
      for (const name of await this.io.list(path)) {
        if (OWN_DIRECTORIES.has(name) || !(await this.io.stat(join(path, name)))?.isDirectory) continue;
        if (name.endsWith(DELETING_SUFFIX) && partitionDirectory(name.slice(0, -DELETING_SUFFIX.length)) !== undefined) {
          await removeDirectory(this.io, join(path, name));
          this.logger.info({ component: 'storage', dir: join(path, name) }, 'finished deleting a partition of a deleted topic');
          continue;
        }
        const store = partitionDirectory(name);
        if (store === undefined) {
          this.foreignDirectories += 1;
          this.logger.warn(
            { component: 'storage', dir: join(path, name) },
            `not a partition directory this broker would create (<topic>-<partition>, where ${TOPIC_NAME_RULE}): left alone and not served`,
          );
          continue;
        }
        const { topic, partition } = store;
        const settings = this.settings(topic);
        if ((settings?.dataPath ?? this.config.system.dataPath) !== path) continue;
        found.push({ topic, partition });
      }
    }
    const started = performance.now();
    const load = ({ topic, partition }: { topic: string; partition: number }) => this.open(topic, partition, this.settings(topic));
    // In parallel, but bounded: thousands of partitions opened at once ran out of descriptors.
    await forEachBounded(found, this.config.system.loadMessageStoresInParallel ? OPEN_CLOSE_CONCURRENCY : 1, load);
    const truncatedBytes = [...this.logs.values()].flatMap((p) => [...p.values()]).reduce((sum, log) => sum + log.recovery.truncatedBytes, 0);
    this.logger.info(
      { component: 'storage', partitions: found.length, recoveryMillis: Math.round(performance.now() - started), truncatedBytes },
      'partition stores loaded',
    );
  }

  /** One cron job per distinct `deleteWhen`, each applying the topics' own policies (docs/storage.md, retention). */
  scheduleRetention(): void {
    for (const job of this.jobs.splice(0)) job.stop();
    const schedules = new Set([this.config.system.deleteWhen, ...this.config.topics.flatMap((t) => (t.deleteWhen ? [t.deleteWhen] : []))]);
    for (const when of schedules) {
      this.jobs.push(new Cron(when, { protect: true }, async () => void (await this.runRetention(when))));
    }
  }

  /** Every `segmentFileIdleMs`, close the descriptors of partition files unused since the last time (docs/storage.md, open files). */
  scheduleIdleCloses(): void {
    const every = this.config.system.segmentFileIdleMs;
    if (every <= 0 || this.idleCloses !== undefined) return;
    this.idleCloses = setInterval(() => {
      this.files.closeIdle().catch((error: unknown) => this.logger.warn({ component: 'storage', err: error }, 'closing idle partition files failed'));
    }, every);
    this.idleCloses.unref();
  }

  /** Apply retention to every store whose topic uses `when` (all stores when undefined). */
  async runRetention(when?: string): Promise<number> {
    const nowMs = this.retentionClock.nowForRetention();
    if (nowMs === undefined) return 0;
    let removed = 0;
    for (const [topic, partitions] of this.logs) {
      const settings = this.settings(topic) ?? this.fallbackSettings();
      if (when !== undefined && settings.deleteWhen !== when) continue;
      const policy = parseRetentionPolicy(settings.deletePolicy);
      for (const log of partitions.values()) {
        try {
          removed += await applyRetention(log, this.io, policy, nowMs, this.logger);
        } catch (error) {
          this.logger.error({ component: 'retention', err: error, partition: log.dir }, 'retention failed; will retry at the next run');
        }
      }
    }
    return removed;
  }

  /**
   * The topic sections changed (a reload, docs/operations.md, or a slave following its master's config):
   * resolve settings again, rebuild the retention schedules and apply new flush policies.
   */
  async settingsChanged(): Promise<void> {
    this.settingsCache.clear();
    this.scheduleRetention();
    for (const [topic, partitions] of this.logs) {
      const settings = this.settings(topic) ?? this.fallbackSettings();
      for (const log of partitions.values()) await log.setFlushPolicy(settings.unflushThreshold, settings.unflushInterval);
    }
  }

  /**
   * Delete every store of a topic (an operator's topic delete, docs/operations.md): it stops being
   * found at once (gets answer 404, puts of it are refused until this is done), queued appends
   * finish, then each log is closed and its directory removed. Returns the partitions removed.
   */
  async removeTopic(topic: string): Promise<Array<{ partition: number; sizeBytes: number }>> {
    this.removing.add(topic);
    try {
      const opening = [...this.opening.entries()].filter(([key]) => key.startsWith(`${topic}-`) && partitionDirectory(key)?.topic === topic);
      await Promise.all(opening.map(([, promise]) => promise.catch(() => undefined)));
      const logs = this.logs.get(topic);
      if (logs === undefined) return [];
      this.logs.delete(topic);
      const removed: Array<{ partition: number; sizeBytes: number }> = [];
      for (const [partition, log] of [...logs.entries()].sort(([a], [b]) => a - b))
        removed.push({ partition, sizeBytes: await this.removeLog(topic, partition, log) });
      return removed;
    } finally {
      this.removing.delete(topic);
    }
  }

  /**
   * Delete one partition's store (the source's copy after an online move, docs/cluster.md): not
   * found from now on, its queued appends finish, then it is closed and removed. Returns its size, or
   * undefined when there was no such store.
   */
  async removePartition(topic: string, partition: number): Promise<number | undefined> {
    await this.opening.get(`${topic}-${partition}`)?.catch(() => undefined);
    const logs = this.logs.get(topic);
    const log = logs?.get(partition);
    if (log === undefined) return undefined;
    logs!.delete(partition);
    if (logs!.size === 0) this.logs.delete(topic);
    return this.removeLog(topic, partition, log);
  }

  private async removeLog(topic: string, partition: number, log: PartitionStore): Promise<number> {
    const sizeBytes = log.sizeInBytes;
    await log.close();
    this.budget.remove(topic, partition);
    // Renamed first, in one step: a crash while its files are unlinked must not leave a
    // partition with gaps, which recovery would refuse; the next start finishes the deletion.
    const doomed = `${log.dir}${DELETING_SUFFIX}`;
    await this.io.rename(log.dir, doomed);
    await this.io.syncDir(dirname(log.dir));
    await removeDirectory(this.io, doomed);
    return sizeBytes;
  }

  /** Every store, grouped by topic. */
  all(): ReadonlyMap<string, ReadonlyMap<number, PartitionStore>> {
    return this.logs;
  }

  async close(): Promise<void> {
    for (const job of this.jobs) job.stop();
    clearInterval(this.idleCloses);
    await Promise.all([...this.opening.values()].map((p) => p.catch(() => undefined)));
    // Each close writes the partition's recovery point: a few at a time, so thousands of them
    // never need more descriptors than the broker has; every log is closed even if one fails.
    let failure: { error: unknown } | undefined;
    const logs = [...this.logs.values()].flatMap((partitions) => [...partitions.values()]);
    await forEachBounded(logs, OPEN_CLOSE_CONCURRENCY, (log) =>
      log.close().catch((error: unknown) => {
        failure ??= { error };
      }),
    );
    if (failure !== undefined) throw failure.error;
  }
}
