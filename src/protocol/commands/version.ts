// `version`: the broker's version and the metaq extensions it offers; also the heartbeat (docs/protocol.md, version).
import { offeredExtensions } from '../commands.js';
import { noBody, optionalOpaque } from './header-tokens.js';
import type { ParsedHeader } from './header-tokens.js';
import { line } from './wire-text.js';
import type { Reply } from './reply.js';
import { isSuccess } from './reply.js';

export interface VersionCommand {
  kind: 'version';
  opaque: number;
}

/** `version <opaque>`. */
export function encodeVersion(command: VersionCommand): Buffer[] {
  return [line(`version ${command.opaque}`)];
}

/** `version [opaque]` (MetaQ's heartbeat; a bare one gets the default opaque). */
export function parseVersionHeader(t: string[]): ParsedHeader {
  return noBody({ kind: 'version', opaque: optionalOpaque(t[1]) });
}

/** The extensions a `version` reply offers; none when the broker refused it. */
export function decodeVersionReply(reply: Reply): Set<string> {
  return isSuccess(reply) ? offeredExtensions(reply.body.toString()) : new Set<string>();
}
