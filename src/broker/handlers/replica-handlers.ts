import type { SyncCommand, SyncEndCommand } from '../../protocol/commands.js';
import { Status } from '../../protocol/status.js';
import { refused } from './outcome.js';
import type { RequestContext } from './request-context.js';

/** `sync`: a sync master's record, stored by this broker's sync slave role. */
export function handleSync(command: SyncCommand, request: RequestContext): void {
  const slave = request.broker.replication.syncSlave;
  if (slave === undefined) return noProcessor(command, request);
  slave.handleSync(command, request);
}

/** `syncend`: a sync master asks where this copy of a partition ends. */
export function handleSyncEnd(command: SyncEndCommand, request: RequestContext): void {
  const slave = request.broker.replication.syncSlave;
  if (slave === undefined) return noProcessor(command, request);
  slave.handleSyncEnd(command, request);
}

/** MetaQ answers 503 for commands without a registered processor (docs/protocol.md). */
function noProcessor(command: SyncCommand | SyncEndCommand, request: RequestContext): void {
  request.answer(
    command,
    refused(
      Status.serviceUnavailable,
      `no processor registered for the ${command.kind} command on this broker: it is not a sync slave ([replication] role=sync-slave)`,
    ),
  );
}
