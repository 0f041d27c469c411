import type { VersionCommand } from '../../protocol/commands.js';
import { encodeResult } from '../../protocol/encoder.js';
import { Status } from '../../protocol/status.js';
import type { BrokerContext, ReplySink } from '../broker-context.js';

/** `version`: the heartbeat; answers the broker version (§1.3.7). */
export function handleVersion(command: VersionCommand, ctx: BrokerContext, reply: ReplySink): void {
  reply.send(encodeResult(Status.success, command.opaque, ctx.version));
}
