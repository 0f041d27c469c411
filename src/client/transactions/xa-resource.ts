import type { Xid } from './xid.js';

/** A branch's vote: `readonly` means it changed nothing and is already finished. */
export type PrepareVote = 'ok' | 'readonly';

/**
 * One resource in a two-phase commit (the shape of javax.transaction.xa.XAResource). Errors
 * carry XA codes as XaError: -4 (unknown branch) on commit or rollback means it is already
 * finished; 5–8 are heuristic outcomes.
 */
export interface XaResource {
  /** Stable across restarts: it is the branch qualifier, so recovery can tell branches apart. */
  readonly name: string;
  start(xid: Xid): Promise<void>;
  end(xid: Xid): Promise<void>;
  prepare(xid: Xid): Promise<PrepareVote>;
  commit(xid: Xid, onePhase: boolean): Promise<void>;
  rollback(xid: Xid): Promise<void>;
  /** Branches prepared and not yet finished (and, for a broker, heuristically finished ones). */
  recover(): Promise<Xid[]>;
  /** Drop the record of a heuristically finished branch. */
  forget(xid: Xid): Promise<void>;
}
