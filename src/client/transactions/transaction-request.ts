import type { TransactionType } from '../../protocol/commands.js';
import { Status } from '../../protocol/status.js';
import { BrokerError, RequestTimeoutError, TransactionStateUnknownError, XaError } from '../errors.js';
import type { BrokerTransport } from '../transport/broker-transport.js';

const XA_REPLY = /^XAException:code=(-?\d+),msg=([\s\S]*)$/;

export interface TransactionRequest {
  txKey: string;
  sessionId: string;
  type: TransactionType;
  timeoutSeconds?: number;
  uniqueQualifier?: string;
  requestTimeoutMs: number;
}

/**
 * One `transaction` command (§1.3.8); resolves with the reply body. An XA failure becomes an
 * XaError with the broker's code, any other refusal a BrokerError, and a commit or rollback
 * without an answer a TransactionStateUnknownError.
 */
export async function transactionRequest(connection: BrokerTransport, request: TransactionRequest): Promise<string> {
  const { txKey, sessionId, type } = request;
  let reply;
  try {
    reply = await connection.request((opaque) => ({ kind: 'transaction', txKey, sessionId, type, timeout: request.timeoutSeconds ?? 0, uniqueQualifier: request.uniqueQualifier, opaque }), request.requestTimeoutMs, `transaction ${type}`);
  } catch (error) {
    if (error instanceof RequestTimeoutError && (type.startsWith('COMMIT') || type === 'ROLLBACK')) throw new TransactionStateUnknownError(`${type} of ${txKey}`, { cause: error });
    throw error;
  }
  const text = reply.body.toString();
  if (reply.kind === 'result' && reply.code === Status.success) return text;
  const xa = XA_REPLY.exec(text);
  if (xa !== null) throw new XaError(Number(xa[1]), xa[2]!);
  throw new BrokerError(reply.kind === 'result' ? reply.code : 0, text);
}

/** Send END, which nothing answers. */
export function postEnd(connection: BrokerTransport, txKey: string, sessionId: string, uniqueQualifier: string | undefined): void {
  connection.post((opaque) => ({ kind: 'transaction', txKey, sessionId, type: 'END', timeout: 0, uniqueQualifier, opaque }));
}
