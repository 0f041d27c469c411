import type { AdminCommand } from '../../protocol/commands.js';
import { encodeResult } from '../../protocol/encoder.js';
import { Status } from '../../protocol/status.js';
import type { BrokerContext, ReplySink } from '../broker-context.js';

const ACTIONS = ['resubscribe'];

/** `admin <action>` (metaq extension): operator actions, as MetaQ's JMX operations were (§4.5). */
export function handleAdmin(command: AdminCommand, ctx: BrokerContext, reply: ReplySink): void {
  const { action, opaque } = command;
  if (action === 'resubscribe') {
    const slave = ctx.replication.asyncSlave;
    if (slave === undefined) return reply.send(encodeResult(Status.badRequest, opaque, 'resubscribe restarts an async slave\'s replication, and this broker is not an async slave'));
    ctx.logger.info({ component: 'admin', action }, 'resubscribing to the master');
    slave.resubscribe().then(
      () => reply.send(encodeResult(Status.success, opaque, 'resubscribed')),
      (error: unknown) => reply.send(encodeResult(Status.internalServerError, opaque, `resubscribe failed: ${(error as Error).message}`)),
    );
    return;
  }
  reply.send(encodeResult(Status.badRequest, opaque, `unknown admin action ${JSON.stringify(action)}; known: ${ACTIONS.join(', ')}`));
}
