// `stats [item]`: the broker's statistics as `item value` lines (docs/protocol.md, stats).
import { noBody, optionalOpaque } from './header-tokens.js';
import type { ParsedHeader } from './header-tokens.js';
import { line } from './wire-text.js';
import type { Reply } from './reply.js';
import { isSuccess } from './reply.js';

export interface StatsCommand {
  kind: 'stats';
  /** undefined for a bare `stats`; "" for the Java client's `stats  <opaque>`. */
  item: string | undefined;
  opaque: number;
}

/** `stats [item] <opaque>`. */
export function encodeStats(command: StatsCommand): Buffer[] {
  return [line(`stats ${command.item ?? ''} ${command.opaque}`)];
}

/** The command line's tokens as a command (body still to come). */
export function parseStatsHeader(t: string[]): ParsedHeader {
  return noBody({ kind: 'stats', item: t[1], opaque: optionalOpaque(t[2]) });
}

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
