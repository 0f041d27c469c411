import type { TransactionCommand } from '../../protocol/commands.js';
import { Status } from '../../protocol/status.js';
import { TransactionCaller } from '../transactions/transaction-rights.js';
import { TransactionDenied, TransactionRefusal, XaException } from '../transactions/xa-error.js';
import { ok, refused } from './outcome.js';
import type { RequestContext } from './request-context.js';

/**
 * `transaction` (docs/transactions.md): BEGIN, PREPARE, COMMIT_*, ROLLBACK, RECOVER, FORGET, and
 * metaq's operator extensions HEURISTIC_COMMIT / HEURISTIC_ROLLBACK. END never gets a reply;
 * the connection does not wait for one. With `[auth]` on, a transaction belongs to the user who
 * began it: another user's command on it is answered 401 (see TransactionCaller).
 */
export function handleTransaction(command: TransactionCommand, request: RequestContext): void {
  const { broker: ctx, owner } = request;
  const { txKey } = command;
  const tx = ctx.transactions;
  const caller = ctx.users === undefined ? undefined : new TransactionCaller(owner.login?.user, ctx.users, ctx.counters);
  const fail = (error: unknown): void => {
    if (error instanceof TransactionDenied) return request.answer(command, refused(Status.unauthorized, error.message));
    if (error instanceof XaException) return request.answer(command, refused(Status.internalServerError, error.replyText));
    if (error instanceof TransactionRefusal) return request.answer(command, refused(Status.internalServerError, error.message));
    ctx.logger.error({ component: 'transactions', err: error, tx: txKey, type: command.type }, 'transaction command failed');
    request.answer(command, refused(Status.internalServerError, `transaction ${command.type} of '${txKey}' failed: ${String(error)}`));
  };
  const run = (work: () => Promise<string> | string): void => {
    try {
      Promise.resolve(work()).then((text) => request.answer(command, ok(text)), fail);
    } catch (error) {
      fail(error);
    }
  };
  switch (command.type) {
    case 'END':
      return; // MetaQ's END is fire-and-forget: nothing to do, nothing to answer
    case 'BEGIN':
      return run(() => {
        tx.begin(owner, txKey, command.sessionId, command.timeout, caller);
        return '0';
      });
    case 'PREPARE':
      return run(async () => String(await tx.prepare(owner, txKey, caller)));
    case 'COMMIT_ONE_PHASE':
    case 'COMMIT_TWO_PHASE': {
      // A commit appends messages, like a put: a fenced broker refuses it and keeps the
      // transaction as it was, so the commit can be sent again once the broker is back.
      const fenced = ctx.fencedBecause();
      if (fenced !== undefined) return request.answer(command, refused(Status.serviceUnavailable, `${fenced}; the transaction is unchanged: commit it again`));
      return run(async () => {
        await tx.commit(owner, txKey, command.type === 'COMMIT_ONE_PHASE', caller);
        return '0';
      });
    }
    case 'ROLLBACK':
      return run(async () => {
        await tx.rollback(owner, txKey, caller);
        return '0';
      });
    case 'RECOVER':
      return run(() => tx.recover(command.uniqueQualifier, caller).join('\r\n'));
    case 'FORGET':
      return run(async () => {
        await tx.forget(txKey, caller);
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
