import { xaReplyText } from '../../protocol/commands/transaction.js';

/** javax.transaction.xa codes the broker answers with (docs/protocol.md, transaction; docs/transactions.md). */
export const XaCode = {
  /** The prepared transaction was heuristically rolled back by an operator. */
  heuristicRollback: 6,
  heuristicCommit: 7,
  heuristicHazard: 8,
  rollbackOther: 104,
  resourceError: -3,
  unknownXid: -4,
  invalidArguments: -5,
  protocol: -6,
  duplicateXid: -8,
} as const;

/**
 * An XA failure on the broker: the reply is `result 500` with `XAException:code=<code>,msg=<message>`
 * (named after Java's exception; the client decodes it as an XaError).
 */
export class XaException extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'XaException';
  }

  get replyText(): string {
    return xaReplyText(this.code, this.message);
  }
}

/** A failure that is not an XA one (a local transaction, bad input): the reply body is the message alone. */
export class TransactionRefusal extends Error {
  override name = 'TransactionRefusal';
}

/**
 * A transaction command refused for lack of a right (another user's transaction, or a publish
 * right the owner lost): answered 401, as the connection answers a command the user may not send.
 */
export class TransactionDenied extends TransactionRefusal {
  override name = 'TransactionDenied';
}
