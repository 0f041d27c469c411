/** A log record ready to ship: its bytes (lines joined by `\n`, without the last newline) and the file offset just past it. */
export interface LogRecord {
  data: Buffer;
  end: number;
}

/**
 * Turns a file's bytes into records. Without a pattern every line is a record. With one, a record
 * starts at a line matching it and takes every following line that does not (a stack trace under
 * its log line); the record is complete when the next one starts, or when `flush` says the file
 * went quiet. A line without its newline yet is never part of a record until `flush(true)`.
 */
export class RecordJoiner {
  /** Bytes read past the last complete line. */
  private partial: Buffer = Buffer.alloc(0);
  private readonly lines: Buffer[] = [];
  /** Size of the record being joined, newlines included. */
  private joinedBytes = 0;
  private linesEnd = 0;

  constructor(
    private readonly startOfRecord: RegExp | undefined,
    /** File offset of the first byte that will be pushed. */
    private position: number,
    /** A record longer than this is cut here (one message must fit the broker's limit). */
    private readonly maxRecordBytes: number,
  ) {}

  /** Feed the next bytes of the file; returns the records they completed. */
  push(chunk: Buffer): LogRecord[] {
    const records: LogRecord[] = [];
    let bytes = this.partial.length === 0 ? chunk : Buffer.concat([this.partial, chunk]);
    let start = 0;
    for (let newline = bytes.indexOf(10, start); newline >= 0; newline = bytes.indexOf(10, start)) {
      this.addLine(bytes.subarray(start, newline), this.position + newline + 1, records);
      start = newline + 1;
    }
    this.position += start;
    bytes = bytes.subarray(start);
    // Copy the remainder so the caller's read buffer can be reused.
    this.partial = Buffer.from(bytes);
    if (this.partial.length > this.maxRecordBytes) {
      this.addLine(this.partial, this.position + this.partial.length, records);
      this.position += this.partial.length;
      this.partial = Buffer.alloc(0);
    }
    return records;
  }

  /**
   * The file went quiet: complete the record being joined. With `includePartial` (the file was
   * rotated away and read to its end) a last line without a newline is shipped too.
   */
  flush(includePartial: boolean): LogRecord[] {
    const records: LogRecord[] = [];
    if (includePartial && this.partial.length > 0) {
      this.addLine(this.partial, this.position + this.partial.length, records);
      this.position += this.partial.length;
      this.partial = Buffer.alloc(0);
    }
    this.complete(records);
    return records;
  }

  /** Bytes held that are not yet in a returned record. */
  get heldBytes(): number {
    return this.partial.length + this.joinedBytes;
  }

  private addLine(line: Buffer, end: number, records: LogRecord[]): void {
    const text = line.at(-1) === 13 ? line.subarray(0, -1) : line; // CRLF files
    if (this.startOfRecord === undefined) {
      records.push({ data: Buffer.from(text), end });
      return;
    }
    if (this.lines.length > 0 && (this.startOfRecord.test(text.toString('utf8')) || this.joinedBytes + text.length > this.maxRecordBytes))
      this.complete(records);
    this.lines.push(Buffer.from(text));
    this.joinedBytes += text.length + 1;
    this.linesEnd = end;
  }

  private complete(records: LogRecord[]): void {
    if (this.lines.length === 0) return;
    const data = this.lines.length === 1 ? this.lines[0]! : Buffer.concat(this.lines.flatMap((line, i) => (i === 0 ? [line] : [Buffer.from('\n'), line])));
    records.push({ data, end: this.linesEnd });
    this.lines.length = 0;
    this.joinedBytes = 0;
  }
}
