import type { Reply } from './reply.js';
import { isSuccess } from './reply.js';

/**
 * A `stats [item]` reply as item → value, without MetaQ's `STATS` and `END` lines; a line without
 * a value maps to `NO VALUE`. A broker that refuses the item gives none.
 */
export function decodeStatsReply(reply: Reply): Map<string, string> {
  const values = new Map<string, string>();
  if (!isSuccess(reply)) return values;
  for (const line of reply.body.toString().split('\r\n')) {
    if (line === '' || line === 'STATS' || line === 'END') continue;
    const space = line.indexOf(' ');
    values.set(space < 0 ? line : line.slice(0, space), space < 0 ? 'NO VALUE' : line.slice(space + 1));
  }
  return values;
}
