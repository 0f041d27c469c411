import { MetaqError } from '../common/errors.js';
import { isRetriableStatus } from './status.js';

/**
 * The broker answered with an error status (`status`, 0 for a reply of the wrong kind) and its
 * text (`reason`). Whether sending again may work comes from the status (status.ts).
 */
export class BrokerError extends MetaqError {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super('BROKER_ERROR', `broker answered ${status}: ${reason}`);
  }

  override get retriable(): boolean {
    return isRetriableStatus(this.status);
  }

  override get outcomeUnknown(): boolean {
    return false;
  }
}

/**
 * A transaction operation failed with an XA status (javax.transaction.xa codes: -4 unknown XID,
 * -6 wrong state, -3 resource error, 104 rolled back, 6/7/8 heuristic outcomes).
 */
export class XaError extends MetaqError {
  constructor(
    readonly xaCode: number,
    message: string,
  ) {
    super('XA_ERROR', `XA error ${xaCode}: ${message}`);
  }
}

/** The status of a BrokerError, or undefined for any other error. */
export function brokerStatus(error: unknown): number | undefined {
  return error instanceof BrokerError ? error.status : undefined;
}
