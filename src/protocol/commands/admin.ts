// `admin` (metaq extension): an operator action on a broker (docs/protocol.md, admin).
import { parseJavaInt } from '../java-numbers.js';
import { need, noBody } from './header-tokens.js';
import type { ParsedHeader } from './header-tokens.js';
import { line } from './wire-text.js';

/** metaq extension: an operator action on a broker (`admin resubscribe`), answered with `result`. */
export interface AdminCommand {
  kind: 'admin';
  action: string;
  opaque: number;
}

/** `admin <action> <opaque>`. */
export function encodeAdmin(command: AdminCommand): Buffer[] {
  return [line(`admin ${command.action} ${command.opaque}`)];
}

/** `admin <action> <opaque>`. */
export function parseAdminHeader(t: string[]): ParsedHeader {
  need(t, 3, 'admin action opaque');
  return noBody({ kind: 'admin', action: t[1]!, opaque: parseJavaInt(t[2], 'opaque') });
}
