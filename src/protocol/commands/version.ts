import type { Reply } from './reply.js';
import { isSuccess } from './reply.js';

/** The extensions a `version` reply offers: its `+name` words (a MetaQ broker's has none). */
export function offeredExtensions(versionText: string): Set<string> {
  return new Set(versionText.split(' ').filter((word) => word.startsWith('+')));
}

/** The extensions a `version` reply offers; none when the broker refused it. */
export function decodeVersionReply(reply: Reply): Set<string> {
  return isSuccess(reply) ? offeredExtensions(reply.body.toString()) : new Set<string>();
}
