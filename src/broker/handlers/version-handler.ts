import type { VersionCommand } from '../../protocol/commands.js';
import { BROKER_EXTENSIONS } from '../../protocol/commands.js';
import { encodeResult } from '../../protocol/encoder.js';
import { Status } from '../../protocol/status.js';
import type { BrokerContext, ReplySink } from '../broker-context.js';

/**
 * `version`: the heartbeat; answers the broker version (§1.3.7), followed by the extensions this
 * broker offers (`+mput +wget +otime +idem +dput +okey`), which metaq clients look for and MetaQ clients ignore.
 */
export function handleVersion(command: VersionCommand, ctx: BrokerContext, reply: ReplySink): void {
  reply.send(encodeResult(Status.success, command.opaque, `${ctx.version} ${BROKER_EXTENSIONS.join(' ')}`));
}
