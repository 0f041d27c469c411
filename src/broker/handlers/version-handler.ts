import type { VersionCommand } from '../../protocol/commands.js';
import { AUTH_EXTENSION, BROKER_EXTENSIONS } from '../../protocol/commands.js';
import { ok } from './outcome.js';
import type { RequestContext } from './request-context.js';

/**
 * `version`: the heartbeat; answers the broker version (docs/protocol.md, version), followed by
 * the extensions this broker offers (`+mput +wget +otime +idem +dput +okey`, and `+auth` when it
 * asks for a login), which metaq clients look for and MetaQ clients ignore.
 */
export function handleVersion(command: VersionCommand, request: RequestContext): void {
  const ctx = request.broker;
  const extensions = ctx.users === undefined ? BROKER_EXTENSIONS : [...BROKER_EXTENSIONS, AUTH_EXTENSION];
  request.answer(command, ok(`${ctx.version} ${extensions.join(' ')}`));
}
