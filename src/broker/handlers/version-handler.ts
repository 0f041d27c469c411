import type { VersionCommand } from '../../protocol/commands.js';
import { AUTH_EXTENSION, BROKER_EXTENSIONS } from '../../protocol/commands.js';
import { encodeResult } from '../../protocol/encoder.js';
import { Status } from '../../protocol/status.js';
import type { BrokerContext, ReplySink } from '../broker-context.js';

/**
 * `version`: the heartbeat; answers the broker version (§1.3.7), followed by the extensions this
 * broker offers (`+mput +wget +otime +idem +dput +okey`, and `+auth` when it asks for a login),
 * which metaq clients look for and MetaQ clients ignore.
 */
export function handleVersion(command: VersionCommand, ctx: BrokerContext, reply: ReplySink): void {
  const extensions = ctx.users === undefined ? BROKER_EXTENSIONS : [...BROKER_EXTENSIONS, AUTH_EXTENSION];
  reply.send(encodeResult(Status.success, command.opaque, `${ctx.version} ${extensions.join(' ')}`));
}
