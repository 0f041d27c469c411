import { Status } from '../../protocol/status.js';
import { countRequest } from '../stats/request-stats.js';
import { handleAdmin } from './admin-handler.js';
import { handleDelayedPut } from './delayed-put-handler.js';
import { handleGet } from './get-handler.js';
import { handleKeyOffsets } from './key-offsets-handler.js';
import { handleOffsetForTime } from './offset-for-time-handler.js';
import { handleOffset } from './offset-handler.js';
import { refused } from './outcome.js';
import { handlePutSet } from './put-set-handler.js';
import { handlePut } from './put-handler.js';
import { handleSync, handleSyncEnd } from './replica-handlers.js';
import type { HandledCommand, Handler, RequestContext } from './request-context.js';
import { handleStats } from './stats-handler.js';
import { handleTransaction } from './transaction-handler.js';
import { handleVersion } from './version-handler.js';
import { handleWaitingGet } from './waiting-get-handler.js';

type HandlerTable = { [K in HandledCommand['kind']]: Handler<Extract<HandledCommand, { kind: K }>> };

/** One handler per command: adding a command adds its line here (and its codec in protocol/). */
const HANDLERS: HandlerTable = {
  put: handlePut,
  mput: handlePutSet,
  dput: handleDelayedPut,
  get: handleGet,
  wget: handleWaitingGet,
  offset: handleOffset,
  otime: handleOffsetForTime,
  okey: handleKeyOffsets,
  stats: handleStats,
  version: handleVersion,
  transaction: handleTransaction,
  sync: handleSync,
  syncend: handleSyncEnd,
  admin: handleAdmin,
};

/**
 * Run a command that passed the checks in front of the table (busy, names, rights, quotas): it
 * is counted as a request, and a handler that throws is answered 500 saying so.
 */
export function runHandler(command: HandledCommand, request: RequestContext): void {
  countRequest(request.broker, command);
  try {
    (HANDLERS[command.kind] as Handler<HandledCommand>)(command, request);
  } catch (error) {
    request.broker.logger.error({ component: 'connection', err: error, command: command.kind }, 'handler failed');
    request.answer(command, refused(Status.internalServerError, `internal error handling ${command.kind}: ${String(error)}`));
  }
}
