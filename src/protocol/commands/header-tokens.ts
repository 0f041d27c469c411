import { ProtocolError } from '../../common/errors.js';
import type { Command } from '../commands.js';
import { DEFAULT_OPAQUE } from '../commands.js';
import { parseJavaInt } from '../java-numbers.js';

/** A parsed header line: the command (body still empty) and how many body bytes follow. */
export interface ParsedHeader {
  command: Command;
  bodyLength: number;
}

/** The body of a command whose body has not arrived yet. */
export const EMPTY = Buffer.alloc(0);

export function noBody(command: Command): ParsedHeader {
  return { command, bodyLength: 0 };
}

/** At least `count` tokens, or a ProtocolError naming the command's shape. */
export function need(tokens: string[], count: number, shape: string): void {
  if (tokens.length < count) throw new ProtocolError(`${tokens[0] ?? ''} needs ${count} tokens (${shape}), got ${tokens.length}`);
}

export function bodyLength(token: string | undefined): number {
  const length = parseJavaInt(token, 'body length');
  if (length < 0) throw new ProtocolError(`body length must not be negative, got ${length}`);
  return length;
}

/** `stats` and `version` may come without an opaque: the broker then answers with the default one. */
export function optionalOpaque(token: string | undefined): number {
  return token === undefined ? DEFAULT_OPAQUE : parseJavaInt(token, 'opaque');
}
