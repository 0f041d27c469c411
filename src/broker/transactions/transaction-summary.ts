import type { HeuristicRecord } from './heuristic-outcomes.js';
import type { Transaction } from './transaction.js';

/** One line of `stats transactions` and `metaq tx list`. */
export interface TransactionSummary {
  key: string;
  state: string;
  messages: number;
  ageMs: number;
  /** The user it belongs to, on a broker with `[auth]` on. */
  owner?: string;
}

/** The open transactions, then the heuristic outcomes not yet forgotten (they hold no messages). */
export function summarizeTransactions(open: readonly Transaction[], heuristics: readonly HeuristicRecord[]): TransactionSummary[] {
  const now = Date.now();
  return [
    ...open.map((tx) => ({
      key: tx.key,
      state: tx.finishing ? 'COMPLETING' : tx.state,
      messages: tx.messages.length,
      ageMs: now - tx.begunAtMs,
      owner: tx.user,
    })),
    ...heuristics.map((record) => ({
      key: record.key,
      state: record.outcome === 'commit' ? 'HEURISTIC_COMMIT' : 'HEURISTIC_ROLLBACK',
      messages: 0,
      ageMs: now - record.atMs,
      owner: record.owner,
    })),
  ];
}
