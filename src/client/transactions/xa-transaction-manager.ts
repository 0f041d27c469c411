import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import { defaultLogger } from '../logger.js';
import { MetaqError } from '../../common/errors.js';
import { InvalidArgumentError, XaError } from '../errors.js';
import { DecisionLog } from './decision-log.js';
import type { XaResource } from './xa-resource.js';
import type { Xid } from './xid.js';
import { describeXid } from './xid.js';

/** Points in two-phase commit where `onStep` is called (fault-injection tests crash there). */
export type TwoPhaseStep = 'started' | `prepared:${string}` | 'decided' | `committed:${string}`;

export interface XaTransactionManagerOptions {
  /** Unique per manager instance and stable across its restarts: recovery finishes only its own branches. */
  name: string;
  /** The decision log file. */
  logPath: string;
  resources: XaResource[];
  /** XA format id of this manager's branches; default 0x6d657471 ("metq"). */
  formatId?: number;
  /** While a decided commit has unfinished branches, retry them this often (default 5 s). */
  retryIntervalMs?: number;
  onStep?: (step: TwoPhaseStep) => void | Promise<void>;
  logger?: Logger;
}

export interface RecoveryReport {
  committed: number;
  rolledBack: number;
  /** Branches a resource had finished by hand (heuristically), forgotten after being reported. */
  heuristic: Array<{ resource: string; xid: string; code: number }>;
  /** Decided transactions still not committed everywhere (a resource was unreachable). */
  pending: number;
}

const XAER_NOTA = -4;
const HEURISTIC = new Set([5, 6, 7, 8]);

/**
 * A small XA transaction manager: `run(work)` starts a branch on every resource, runs `work`,
 * prepares every branch, forces the commit decision to its log, then commits each branch.
 * Any failure before the decision rolls every branch back; after it, commit is the outcome and
 * `recover()` (run by `open`, and retried in the background) completes what a crash or an
 * unreachable resource left. Branches in doubt with no decision are rolled back (presumed abort).
 */
export class XaTransactionManager {
  private readonly formatId: number;
  private readonly retryIntervalMs: number;
  private readonly logger: Logger;
  /** Global ids of transactions running now: recovery must not touch their branches. */
  private readonly active = new Set<string>();
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    private readonly options: XaTransactionManagerOptions,
    private readonly log: DecisionLog,
  ) {
    this.formatId = options.formatId ?? 0x6d657471;
    this.retryIntervalMs = options.retryIntervalMs ?? 5000;
    this.logger = options.logger ?? defaultLogger();
  }

  /** Open the decision log and recover every branch left in doubt by the last run. */
  static async open(options: XaTransactionManagerOptions): Promise<{ manager: XaTransactionManager; recovery: RecoveryReport }> {
    if (!/^[A-Za-z0-9._-]{1,40}$/.test(options.name)) throw new InvalidArgumentError('options.name', 'must be 1–40 letters, digits, ".", "_" or "-"');
    const names = options.resources.map((resource) => resource.name);
    if (new Set(names).size !== names.length || names.some((name) => Buffer.byteLength(name) > 64))
      throw new InvalidArgumentError('options.resources', 'need distinct names of at most 64 bytes (each is its branch qualifier)');
    const manager = new XaTransactionManager(options, await DecisionLog.open(options.logPath));
    return { manager, recovery: await manager.recover() };
  }

  /** Run `work` in a global transaction over every resource; resolves once the outcome is commit. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) throw new MetaqError('CLOSED', 'transaction manager is closed');
    const gtrid = Buffer.from(`${this.options.name}:${randomUUID()}`);
    const id = gtrid.toString('hex');
    const branches = this.options.resources.map((resource) => ({ resource, xid: { formatId: this.formatId, gtrid, bqual: Buffer.from(resource.name) } }));
    this.active.add(id);
    try {
      const started: typeof branches = [];
      let result: T;
      try {
        for (const branch of branches) {
          await branch.resource.start(branch.xid);
          started.push(branch);
        }
        await this.step('started');
        result = await work();
        for (const branch of started) await branch.resource.end(branch.xid);
      } catch (error) {
        await this.rollbackAll(started);
        throw error;
      }
      const toCommit: typeof branches = [];
      for (const branch of branches) {
        try {
          if ((await branch.resource.prepare(branch.xid)) === 'ok') toCommit.push(branch);
        } catch (error) {
          await this.rollbackAll(branches);
          throw new MetaqError(
            'TRANSACTION_ROLLED_BACK',
            `${branch.resource.name} could not prepare, so the transaction was rolled back: ${(error as Error).message}`,
            { cause: error },
          );
        }
        await this.step(`prepared:${branch.resource.name}`);
      }
      if (toCommit.length === 0) return result;
      await this.log.decide(id);
      await this.step('decided');
      let unfinished = 0;
      for (const branch of toCommit) {
        try {
          await branch.resource.commit(branch.xid, false);
        } catch (error) {
          if (!(error instanceof XaError && error.xaCode === XAER_NOTA)) {
            unfinished += 1;
            this.logger.warn(
              { err: error, resource: branch.resource.name, xid: describeXid(branch.xid) },
              'commit of a branch failed; the decision is commit, so recovery retries it',
            );
          }
        }
        await this.step(`committed:${branch.resource.name}`);
      }
      if (unfinished === 0) await this.log.done(id);
      else this.scheduleRetry();
      return result;
    } finally {
      this.active.delete(id);
    }
  }

  /**
   * Finish every branch of this manager a resource still holds: commit those whose commit was
   * decided, roll back the others (presumed abort), forget heuristic outcomes after reporting them.
   */
  async recover(): Promise<RecoveryReport> {
    const report: RecoveryReport = { committed: 0, rolledBack: 0, heuristic: [], pending: 0 };
    const decided = new Set(this.log.pending());
    const prefix = Buffer.from(`${this.options.name}:`);
    let allReached = true;
    const stillDoubtful = new Set<string>();
    for (const resource of this.options.resources) {
      let xids: Xid[];
      try {
        xids = await resource.recover();
      } catch (error) {
        allReached = false;
        this.logger.warn({ err: error, resource: resource.name }, 'recovery could not reach a resource; will retry');
        continue;
      }
      for (const xid of xids) {
        const id = xid.gtrid.toString('hex');
        if (xid.formatId !== this.formatId || !xid.gtrid.subarray(0, prefix.length).equals(prefix) || this.active.has(id)) continue;
        const commit = decided.has(id);
        try {
          await (commit ? resource.commit(xid, false) : resource.rollback(xid));
          if (commit) report.committed += 1;
          else report.rolledBack += 1;
        } catch (error) {
          if (error instanceof XaError && HEURISTIC.has(error.xaCode)) {
            report.heuristic.push({ resource: resource.name, xid: describeXid(xid), code: error.xaCode });
            this.logger.error(
              { resource: resource.name, xid: describeXid(xid), code: error.xaCode, decision: commit ? 'commit' : 'rollback' },
              'branch was completed heuristically; forgetting it',
            );
            await resource.forget(xid).catch((forgetError: unknown) => this.logger.warn({ err: forgetError }, 'forget failed'));
          } else if (!(error instanceof XaError && error.xaCode === XAER_NOTA)) {
            stillDoubtful.add(id);
            this.logger.warn({ err: error, resource: resource.name, xid: describeXid(xid) }, 'could not finish an in-doubt branch; will retry');
          }
        }
      }
    }
    for (const id of decided) {
      if (allReached && !stillDoubtful.has(id) && !this.active.has(id)) await this.log.done(id);
    }
    report.pending = [...this.log.pending()].filter((id) => !this.active.has(id)).length;
    if (report.pending > 0) this.scheduleRetry();
    return report;
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== undefined || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.recover().catch((error: unknown) => this.logger.warn({ err: error }, 'background recovery failed'));
    }, this.retryIntervalMs);
    this.retryTimer.unref();
  }

  private async rollbackAll(branches: ReadonlyArray<{ resource: XaResource; xid: Xid }>): Promise<void> {
    for (const { resource, xid } of branches) {
      // A branch that fails to roll back stays prepared or open: recovery (presumed abort) or the
      // resource's own timeout ends it.
      await resource.end(xid).catch(() => undefined);
      await resource.rollback(xid).catch((error: unknown) => {
        if (!(error instanceof XaError && error.xaCode === XAER_NOTA))
          this.logger.warn({ err: error, resource: resource.name }, 'rollback of a branch failed; recovery will retry');
      });
    }
  }

  private async step(step: TwoPhaseStep): Promise<void> {
    await this.options.onStep?.(step);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    await this.log.close();
  }
}
