// `quit`: the client closes its session (docs/protocol.md, quit).
import { noBody } from './header-tokens.js';
import type { ParsedHeader } from './header-tokens.js';
import { line } from './wire-text.js';

export interface QuitCommand {
  kind: 'quit';
}

/** `quit`. */
export function encodeQuit(): Buffer[] {
  return [line('quit')];
}

/** `quit`: the client is done; nothing answers it. */
export function parseQuitHeader(): ParsedHeader {
  return noBody({ kind: 'quit' });
}
