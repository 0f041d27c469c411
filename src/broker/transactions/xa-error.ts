/** javax.transaction.xa codes the broker answers with (§1.3.8, §5.6.3). */
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

/** An XA failure: the reply is `result 500` with `XAException:code=<code>,msg=<message>`. */
export class XaError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'XaError';
  }

  get replyText(): string {
    return `XAException:code=${this.code},msg=${this.message}`;
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
