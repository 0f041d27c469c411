import { writeFileAtomically } from '../../storage/atomic-file.js';
import type { FileIO } from '../../storage/io/file-io.js';

/** A place in the source's binlog: every row change before it is acked by the broker. */
export interface BinlogPosition {
  file: string;
  position: number;
}

export function formatPosition(at: BinlogPosition): string {
  return `${at.file}:${at.position}`;
}

interface CheckpointFile {
  version: 1;
  /** The source server, so a checkpoint is never used against another one by mistake. */
  source: string;
  file: string;
  position: number;
}

/**
 * The binlog reader's durable position, one JSON file replaced atomically after each acked
 * batch of transactions. It always points at a transaction boundary, so a crash replays at
 * most the transactions published since the last save.
 */
export class BinlogCheckpoint {
  private saved: string | undefined;

  private constructor(
    private readonly io: FileIO,
    readonly path: string,
    private readonly source: string,
    readonly loaded: BinlogPosition | undefined,
  ) {}

  static async open(io: FileIO, path: string, source: string): Promise<BinlogCheckpoint> {
    const bytes = await io.readFile(path);
    if (bytes === undefined) return new BinlogCheckpoint(io, path, source, undefined);
    let parsed: CheckpointFile;
    try {
      parsed = JSON.parse(bytes.toString('utf8')) as CheckpointFile;
    } catch (error) {
      throw new Error(`binlog checkpoint ${path} is not valid JSON (${(error as Error).message}); move it away to start over from --from`, { cause: error });
    }
    if (parsed.version !== 1 || typeof parsed.file !== 'string' || !Number.isSafeInteger(parsed.position))
      throw new Error(`${path} is not a metaq binlog checkpoint (version 1 with file and position)`);
    if (parsed.source !== source)
      throw new Error(`binlog checkpoint ${path} belongs to ${parsed.source}, not ${source}: give each source its own --checkpoint`);
    return new BinlogCheckpoint(io, path, source, { file: parsed.file, position: parsed.position });
  }

  async save(at: BinlogPosition): Promise<void> {
    const content: CheckpointFile = { version: 1, source: this.source, file: at.file, position: at.position };
    const text = `${JSON.stringify(content)}\n`;
    if (text === this.saved) return;
    await writeFileAtomically(this.io, this.path, Buffer.from(text));
    this.saved = text;
  }
}
