// `auth` (metaq extension): one step of a SASL login (docs/protocol.md, auth; docs/security.md).
import { ProtocolError } from '../../common/errors.js';
import { MAX_AUTH_MESSAGE } from '../commands.js';
import { parseJavaInt } from '../java-numbers.js';
import { bodyLength, EMPTY, need } from './header-tokens.js';
import type { ParsedHeader } from './header-tokens.js';
import { framed } from './wire-text.js';
import type { Reply } from './reply.js';
import { successText } from './reply.js';

/**
 * metaq extension, offered as `+auth` by a broker with `[auth] enabled=true`: one step of a SASL
 * exchange (`auth <mechanism> <len> <opaque>\r\n<message>`), answered `result 200` with the
 * broker's next message, or `result 401` when it failed. SCRAM-SHA-256 takes two steps.
 */
export interface AuthCommand {
  kind: 'auth';
  mechanism: string;
  opaque: number;
  body: Buffer;
}

/** `auth <mechanism> <len> <opaque>` and the SASL message. */
export function encodeAuth(command: AuthCommand): Buffer[] {
  return framed(`auth ${command.mechanism} ${command.body.length} ${command.opaque}`, command.body);
}

/** The command line's tokens as a command (body still to come). */
export function parseAuthHeader(t: string[]): ParsedHeader {
  need(t, 4, 'auth mechanism len opaque');
  const length = bodyLength(t[2]);
  if (length > MAX_AUTH_MESSAGE) throw new ProtocolError(`auth message of ${length} bytes exceeds ${MAX_AUTH_MESSAGE}`);
  return { command: { kind: 'auth', mechanism: t[1]!, opaque: parseJavaInt(t[3], 'opaque'), body: EMPTY }, bodyLength: length };
}

/** An `auth` step's reply as the broker's next SASL message; a refusal (401) throws its BrokerError. */
export function decodeAuthReply(reply: Reply): string {
  return successText(reply);
}
