// `syncend` (metaq extension): a sync master asks where its slave's copy ends (docs/protocol.md, syncend).
import { parseJavaInt, parseJavaOffset } from '../java-numbers.js';
import { need, noBody } from './header-tokens.js';
import type { ParsedHeader } from './header-tokens.js';
import { line } from './wire-text.js';
import type { Reply } from './reply.js';
import { successText } from './reply.js';

/**
 * metaq extension, sent only by a metaq sync master to its slave (never by MetaQ peers): "make
 * sure this partition exists, created empty at `startOffset` if missing, and tell me where your
 * copy ends". The reply is `result 200` with the slave's end offset once its queued appends are
 * written, so the master knows where to resume replicating.
 */
export interface SyncEndCommand {
  kind: 'syncend';
  topic: string;
  partition: number;
  startOffset: number;
  opaque: number;
}

/** `syncend <topic> <partition> <startOffset> <opaque>`. */
export function encodeSyncEnd(command: SyncEndCommand): Buffer[] {
  return [line(`syncend ${command.topic} ${command.partition} ${command.startOffset} ${command.opaque}`)];
}

/** The command line's tokens as a command (body still to come). */
export function parseSyncEndHeader(t: string[]): ParsedHeader {
  need(t, 5, 'syncend topic partition startOffset opaque');
  return noBody({
    kind: 'syncend',
    topic: t[1]!,
    partition: parseJavaInt(t[2], 'partition'),
    startOffset: parseJavaOffset(t[3], 'startOffset'),
    opaque: parseJavaInt(t[4], 'opaque'),
  });
}

/** A `syncend` reply as where the slave's copy ends (NaN if the body is not a number); a refusal throws its BrokerError. */
export function decodeSyncEndReply(reply: Reply): number {
  return Number(successText(reply));
}
