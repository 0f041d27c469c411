import { MetaqError } from '../../common/errors.js';
import type { ZkSession } from './zk-session.js';
import { isBadVersion, isNodeExists } from './zk-session.js';
import type { MetaZnodes } from './znodes.js';

/** Who may act as master of a replicated broker id: bumped by every promotion. */
export interface EpochRecord {
  epoch: number;
  master: string;
}

/**
 * The epoch of a replicated broker id (`<root>/metaq/epochs/<brokerId>`, JSON). A promotion
 * writes a higher epoch naming the new master with a versioned write, so two promoters cannot
 * both win; a master that reads an epoch naming someone else has been replaced and must stop.
 */
export class BrokerEpoch {
  private readonly path: string;

  constructor(
    private readonly session: ZkSession,
    znodes: MetaZnodes,
    readonly brokerId: number,
  ) {
    this.path = znodes.epoch(brokerId);
  }

  /** The current record, or undefined before the first master claimed one; `watch` fires once on change. */
  async read(watch?: () => void): Promise<(EpochRecord & { version: number }) | undefined> {
    const node = await this.session.getVersioned(this.path, watch);
    if (node === undefined) return undefined;
    const record = parseEpoch(node.data);
    if (record === undefined)
      throw new MetaqError('BAD_EPOCH', `${this.path} holds ${JSON.stringify(node.data)}, not {"epoch":N,"master":"meta://host:port"}; fix or delete the node`);
    return { ...record, version: node.version };
  }

  /**
   * Make `master` the master of the next epoch, provided the record is still the one read
   * (`seen`; undefined = no record yet). Returns the new record, or undefined when someone else
   * changed it first.
   */
  async claim(master: string, seen: (EpochRecord & { version: number }) | undefined): Promise<EpochRecord | undefined> {
    const next: EpochRecord = { epoch: (seen?.epoch ?? 0) + 1, master };
    try {
      if (seen === undefined) await this.session.create(this.path, JSON.stringify(next), 'persistent');
      else await this.session.setData(this.path, JSON.stringify(next), seen.version);
      return next;
    } catch (error) {
      if (isNodeExists(error) || isBadVersion(error)) return undefined;
      throw error;
    }
  }
}

export function parseEpoch(data: string): EpochRecord | undefined {
  try {
    const parsed = JSON.parse(data) as { epoch?: unknown; master?: unknown };
    if (typeof parsed.epoch !== 'number' || typeof parsed.master !== 'string') return undefined;
    return { epoch: parsed.epoch, master: parsed.master };
  } catch {
    return undefined;
  }
}
