import type { AdminCommand } from '../../protocol/commands.js';
import { Status } from '../../protocol/status.js';
import { ok, refused } from './outcome.js';
import type { RequestContext } from './request-context.js';

const ACTIONS = ['resubscribe'];

/** `admin <action>` (metaq extension): operator actions, as MetaQ's JMX operations were (docs/operations.md). */
export function handleAdmin(command: AdminCommand, request: RequestContext): void {
  const ctx = request.broker;
  const { action } = command;
  if (action === 'resubscribe') {
    const slave = ctx.replication.asyncSlave;
    if (slave === undefined)
      return request.answer(command, refused(Status.badRequest, "resubscribe restarts an async slave's replication, and this broker is not an async slave"));
    ctx.logger.info({ component: 'admin', action }, 'resubscribing to the master');
    slave.resubscribe().then(
      () => request.answer(command, ok('resubscribed')),
      (error: unknown) => request.answer(command, refused(Status.internalServerError, `resubscribe failed: ${(error as Error).message}`)),
    );
    return;
  }
  request.answer(command, refused(Status.badRequest, `unknown admin action ${JSON.stringify(action)}; known: ${ACTIONS.join(', ')}`));
}
