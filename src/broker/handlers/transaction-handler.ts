import type { TransactionCommand } from '../../protocol/commands.js';
import { encodeResult } from '../../protocol/encoder.js';
import { Status } from '../../protocol/status.js';
import type { BrokerContext, ReplySink } from '../broker-context.js';
import type { TransactionOwner } from '../transactions/transaction.js';
import { TransactionRefusal, XaError } from '../transactions/xa-error.js';

/**
 * `transaction` (§1.3.8): BEGIN, PREPARE, COMMIT_*, ROLLBACK, RECOVER, FORGET, and metaq's
 * operator extensions HEURISTIC_COMMIT / HEURISTIC_ROLLBACK (§5.6.4). END never gets a reply;
 * the connection does not wait for one.
 */
export function handleTransaction(command: TransactionCommand, owner: TransactionOwner, ctx: BrokerContext, reply: ReplySink): void {
  const { txKey, opaque } = command;
  const tx = ctx.transactions;
  const fail = (error: unknown): void => {
    if (error instanceof XaError) return reply.send(encodeResult(Status.internalServerError, opaque, error.replyText));
    if (error instanceof TransactionRefusal) return reply.send(encodeResult(Status.internalServerError, opaque, error.message));
    ctx.logger.error({ component: 'transactions', err: error, tx: txKey, type: command.type }, 'transaction command failed');
    reply.send(encodeResult(Status.internalServerError, opaque, `transaction ${command.type} of '${txKey}' failed: ${String(error)}`));
  };
  const run = (work: () => Promise<string> | string): void => {
    try {
      Promise.resolve(work()).then((text) => reply.send(encodeResult(Status.success, opaque, text)), fail);
    } catch (error) {
      fail(error);
    }
  };
  switch (command.type) {
    case 'END':
      return; // MetaQ's END is fire-and-forget: nothing to do, nothing to answer
    case 'BEGIN':
      return run(() => {
        tx.begin(owner, txKey, command.sessionId, command.timeout);
        return '0';
      });
    case 'PREPARE':
      return run(async () => String(await tx.prepare(owner, txKey)));
    case 'COMMIT_ONE_PHASE':
    case 'COMMIT_TWO_PHASE': {
      // A commit appends messages, like a put: a fenced broker refuses it and keeps the
      // transaction as it was, so the commit can be sent again once the broker is back.
      const fenced = ctx.fencedBecause();
      if (fenced !== undefined) return reply.send(encodeResult(Status.serviceUnavailable, opaque, `${fenced}; the transaction is unchanged: commit it again`));
      return run(async () => {
        await tx.commit(owner, txKey, command.type === 'COMMIT_ONE_PHASE');
        return '0';
      });
    }
    case 'ROLLBACK':
      return run(async () => {
        await tx.rollback(owner, txKey);
        return '0';
      });
    case 'RECOVER':
      return run(() => tx.recover(command.uniqueQualifier).join('\r\n'));
    case 'FORGET':
      return run(async () => {
        await tx.forget(txKey);
        return '0';
      });
    case 'HEURISTIC_COMMIT':
    case 'HEURISTIC_ROLLBACK':
      return run(async () => {
        await tx.completeHeuristically(txKey, command.type === 'HEURISTIC_COMMIT' ? 'commit' : 'rollback');
        return '0';
      });
  }
}
