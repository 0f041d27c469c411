import { MetaqError } from '../common/errors.js';

// The broker's refusals are decoded in protocol/ (one codec per command); the client exports them.
export { BrokerError, XaError, brokerStatus } from '../protocol/broker-error.js';
export { isRetriable, isOutcomeUnknown } from '../common/errors.js';

/** A request got no reply in time. The broker may or may not have acted on it. */
export class RequestTimeoutError extends MetaqError {
  constructor(what: string, timeoutMs: number) {
    super('TIMEOUT', `${what} got no reply within ${timeoutMs} ms; the broker may still have processed it. Retry, or raise the timeout`);
  }
}

/** The connection to a broker failed or was lost with requests in flight. */
export class ConnectionError extends MetaqError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONNECTION_LOST', message, options);
  }
}

/** A public function was called with a value it cannot use. */
export class InvalidArgumentError extends MetaqError {
  constructor(argument: string, problem: string) {
    super('INVALID_ARGUMENT', `${argument} ${problem}`);
  }
}

/** The operation was cancelled through its AbortSignal. */
export class AbortedError extends MetaqError {
  constructor(what: string) {
    super('ABORTED', `${what} was aborted`);
  }
}

/** The client, producer or consumer was closed. */
export class ClosedError extends MetaqError {
  constructor(what: string) {
    super('CLOSED', `${what} is closed`);
  }
}

/**
 * A commit or rollback got no answer: the transaction may or may not have been applied. Check
 * what the consumer sees (local) or let the transaction manager's recovery decide (XA).
 */
export class TransactionStateUnknownError extends MetaqError {
  constructor(what: string, options?: { cause?: unknown }) {
    super('TRANSACTION_STATE_UNKNOWN', `${what}: no answer, so the transaction's outcome is unknown`, options);
  }
}
