import type { TransactionType } from '../../protocol/commands.js';
import { decodeTransactionReply } from '../../protocol/commands/transaction.js';
import { hasErrorCode } from '../../common/errors.js';
import { TransactionStateUnknownError } from '../errors.js';
import type { BrokerTransport } from '../transport/broker-transport.js';

export interface TransactionRequest {
  txKey: string;
  sessionId: string;
  type: TransactionType;
  timeoutSeconds?: number;
  uniqueQualifier?: string;
  requestTimeoutMs: number;
}

/**
 * One `transaction` command (docs/protocol.md, transaction); resolves with the reply body. An XA failure becomes an
 * XaError with the broker's code, any other refusal a BrokerError, and a commit or rollback
 * without an answer a TransactionStateUnknownError.
 */
export async function transactionRequest(connection: BrokerTransport, request: TransactionRequest): Promise<string> {
  const { txKey, sessionId, type } = request;
  let reply;
  try {
    reply = await connection.request(
      (opaque) => ({ kind: 'transaction', txKey, sessionId, type, timeout: request.timeoutSeconds ?? 0, uniqueQualifier: request.uniqueQualifier, opaque }),
      request.requestTimeoutMs,
      `transaction ${type}`,
    );
  } catch (error) {
    if (hasErrorCode(error, 'TIMEOUT') && (type.startsWith('COMMIT') || type === 'ROLLBACK'))
      throw new TransactionStateUnknownError(`${type} of ${txKey}`, { cause: error });
    throw error;
  }
  return decodeTransactionReply(reply);
}

/** Send END, which nothing answers. */
export function postEnd(connection: BrokerTransport, txKey: string, sessionId: string, uniqueQualifier: string | undefined): void {
  connection.post((opaque) => ({ kind: 'transaction', txKey, sessionId, type: 'END', timeout: 0, uniqueQualifier, opaque }));
}
