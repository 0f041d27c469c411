import { writeFileAtomically } from '../../storage/atomic-file.js';
import type { FileIO } from '../../storage/io/file-io.js';

/** How far one file has been shipped: every record before `offset` is acked by the broker. */
export interface FileCheckpoint {
  path: string;
  /** Device and inode: the file keeps it when renamed. */
  fileId: string;
  /** Hash of the file's first `fingerprintLength` bytes: tells a reused inode from the file, and finds copies. */
  fingerprint: string;
  fingerprintLength: number;
  offset: number;
}

interface CheckpointFile {
  version: 1;
  files: FileCheckpoint[];
}

/**
 * The agent's durable position in every file it follows (MetaQ's tail4j `checkpoint_path`), one
 * JSON file replaced atomically after each acked batch: a crash repeats at most that batch.
 */
export class TailCheckpoint {
  /** What the file holds now: an unchanged checkpoint is not written again. */
  private saved: string | undefined;

  private constructor(
    private readonly io: FileIO,
    readonly path: string,
    readonly loaded: FileCheckpoint[],
  ) {}

  static async open(io: FileIO, path: string): Promise<TailCheckpoint> {
    const bytes = await io.readFile(path);
    if (bytes === undefined) return new TailCheckpoint(io, path, []);
    let parsed: CheckpointFile;
    try {
      parsed = JSON.parse(bytes.toString('utf8')) as CheckpointFile;
    } catch (error) {
      throw new Error(
        `checkpoint ${path} is not valid JSON (${(error as Error).message}); move it away to start over (every file is then read from its start)`,
        { cause: error },
      );
    }
    if (parsed.version !== 1 || !Array.isArray(parsed.files)) throw new Error(`checkpoint ${path} is not a metaq tail checkpoint (version 1)`);
    return new TailCheckpoint(io, path, parsed.files);
  }

  async save(files: readonly FileCheckpoint[]): Promise<void> {
    const content: CheckpointFile = { version: 1, files: [...files] };
    const text = `${JSON.stringify(content, null, 1)}\n`;
    if (text === this.saved) return;
    await writeFileAtomically(this.io, this.path, Buffer.from(text));
    this.saved = text;
  }
}
