import { join } from 'node:path';
import { writeFileAtomically } from '../../storage/atomic-file.js';
import type { FileIO } from '../../storage/io/file-io.js';

export type HeuristicOutcome = 'commit' | 'rollback';

export interface HeuristicRecord {
  key: string;
  outcome: HeuristicOutcome;
  atMs: number;
  /** The user the transaction belonged to (`[auth]` on); absent in files written before owners were kept: admin only. */
  owner?: string;
}

/**
 * Prepared XA transactions an operator finished by hand (docs/transactions.md), remembered until the
 * coordinator FORGETs them, so its late commit or rollback hears what happened. MetaQ keeps a
 * Java-serialised map rewritten hourly; metaq rewrites a small JSON file on every change, so a
 * crash cannot forget a decision.
 */
export class HeuristicOutcomes {
  private constructor(
    private readonly io: FileIO,
    private readonly path: string,
    private readonly records: Map<string, HeuristicRecord>,
  ) {}

  static async load(io: FileIO, dir: string): Promise<HeuristicOutcomes> {
    const path = join(dir, 'heuristic.json');
    const text = (await io.readFile(path))?.toString('utf8');
    const records = text ? (JSON.parse(text) as HeuristicRecord[]) : [];
    return new HeuristicOutcomes(io, path, new Map(records.map((record) => [record.key, record])));
  }

  get(key: string): HeuristicRecord | undefined {
    return this.records.get(key);
  }

  all(): HeuristicRecord[] {
    return [...this.records.values()];
  }

  async remember(key: string, outcome: HeuristicOutcome, owner: string | undefined): Promise<void> {
    this.records.set(key, { key, outcome, atMs: Date.now(), ...(owner === undefined ? {} : { owner }) });
    await this.save();
  }

  async forget(key: string): Promise<boolean> {
    if (!this.records.delete(key)) return false;
    await this.save();
    return true;
  }

  private save(): Promise<void> {
    return writeFileAtomically(this.io, this.path, Buffer.from(JSON.stringify(this.all(), null, 1)));
  }
}
