import type { FileIO } from './io/file-io.js';

interface DirectoryState {
  /** The fsync of the directory in progress. */
  running: Promise<void>;
  /** The one after it, shared by every caller that arrived while it ran. */
  next: Promise<void> | undefined;
}

const settled = (): void => undefined;

/**
 * fsyncs of directories, coalesced per directory: a caller gets a fsync that starts after its
 * call, shared with every other caller that arrived while the previous one ran. Ten thousand
 * partitions created at once each need their entry in the data directory made durable; one
 * fsync a round covers them all, where ten thousand took seconds and timed the sends out.
 */
class DirectorySyncs {
  private readonly states = new Map<string, DirectoryState>();

  constructor(private readonly io: FileIO) {}

  sync(dir: string): Promise<void> {
    const state = this.states.get(dir);
    if (state === undefined) return this.begin(dir);
    state.next ??= state.running.then(settled, settled).then(() => this.begin(dir));
    return state.next;
  }

  private begin(dir: string): Promise<void> {
    const state: DirectoryState = { running: this.io.syncDir(dir), next: undefined };
    this.states.set(dir, state);
    void state.running.then(settled, settled).then(() => {
      if (this.states.get(dir) === state && state.next === undefined) this.states.delete(dir);
    });
    return state.running;
  }
}

const byIo = new WeakMap<FileIO, DirectorySyncs>();

/** fsync `dir` through `io`, sharing the fsync with concurrent callers for the same directory. */
export function syncDirectory(io: FileIO, dir: string): Promise<void> {
  let syncs = byIo.get(io);
  if (syncs === undefined) byIo.set(io, (syncs = new DirectorySyncs(io)));
  return syncs.sync(dir);
}
