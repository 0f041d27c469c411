import { open, readFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { writeFileAtomically } from '../../storage/atomic-file.js';
import { NodeFileIO } from '../../storage/io/node-file-io.js';

const io = new NodeFileIO();

/**
 * The transaction manager's durable memory: one JSON line per commit decision (fsynced before
 * any branch is committed) and one when every branch of it is committed. A decision without its
 * `done` line is what recovery must finish. Opening compacts the file to the pending decisions.
 */
export class DecisionLog {
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly file: FileHandle,
    private readonly decided: Set<string>,
  ) {}

  static async open(path: string): Promise<DecisionLog> {
    const pending = new Set<string>();
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    for (const line of text.split('\n')) {
      let entry: { commit?: string; done?: string };
      try {
        entry = JSON.parse(line) as { commit?: string; done?: string };
      } catch {
        continue; // an empty or torn last line: that decision was never acknowledged to anyone
      }
      if (entry.commit !== undefined) pending.add(entry.commit);
      if (entry.done !== undefined) pending.delete(entry.done);
    }
    // Compact: write the pending decisions to a fresh file and swap it in atomically.
    await writeFileAtomically(io, path, Buffer.from([...pending].map((gtrid) => `${JSON.stringify({ commit: gtrid })}\n`).join('')));
    return new DecisionLog(await open(path, 'a'), pending);
  }

  /** Transactions decided for commit whose branches may not all be committed yet. */
  pending(): ReadonlySet<string> {
    return this.decided;
  }

  /** Record the commit decision durably: after this, recovery commits every branch. */
  decide(gtrid: string): Promise<void> {
    this.decided.add(gtrid);
    return this.append({ commit: gtrid }, true);
  }

  /** Every branch is committed: recovery can forget the decision (not fsynced: losing it only repeats work). */
  done(gtrid: string): Promise<void> {
    this.decided.delete(gtrid);
    return this.append({ done: gtrid }, false);
  }

  private append(entry: object, sync: boolean): Promise<void> {
    const next = this.writing.then(async () => {
      await this.file.appendFile(`${JSON.stringify(entry)}\n`);
      if (sync) await this.file.datasync();
    });
    this.writing = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.writing;
    await this.file.close();
  }
}
