import { ProtocolError } from '../common/errors.js';
import type { ParsedHeader } from './commands/header-tokens.js';
import { parseAdminHeader } from './commands/admin.js';
import { parseAuthHeader } from './commands/auth.js';
import { parseDelayedPutHeader } from './commands/delayed-put.js';
import { parseGetHeader, parseWaitingGetHeader } from './commands/get.js';
import { parseKeyOffsetsHeader } from './commands/key-offsets.js';
import { parseOffsetForTimeHeader } from './commands/offset-for-time.js';
import { parseOffsetHeader } from './commands/offset.js';
import { parsePutSetHeader } from './commands/put-set.js';
import { parsePutHeader } from './commands/put.js';
import { parseQuitHeader } from './commands/quit.js';
import { parseResultHeader, parseValueHeader } from './commands/reply.js';
import { parseStatsHeader } from './commands/stats.js';
import { parseSyncEndHeader } from './commands/sync-end.js';
import { parseSyncHeader } from './commands/sync.js';
import { parseTransactionHeader } from './commands/transaction.js';
import { parseVersionHeader } from './commands/version.js';

export type { ParsedHeader };

/**
 * Turn the tokens of one header line into a command, following MetaQ's decoder (docs/protocol.md):
 * dispatch on the command word; each command's own parser (commands/<name>.ts) reads its tokens.
 */
export function parseHeader(tokens: string[]): ParsedHeader {
  const word = tokens[0] ?? '';
  switch (word.charAt(0)) {
    case 'p':
      return parsePutHeader(tokens);
    case 'g':
      return parseGetHeader(tokens);
    case 'w':
      if (word !== 'wget') throw new ProtocolError(`unknown command ${JSON.stringify(word)}`);
      return parseWaitingGetHeader(tokens);
    case 'm':
      if (word !== 'mput') throw new ProtocolError(`unknown command ${JSON.stringify(word)}`);
      return parsePutSetHeader(tokens);
    case 'o':
      if (word === 'otime') return parseOffsetForTimeHeader(tokens);
      if (word === 'okey') return parseKeyOffsetsHeader(tokens);
      return parseOffsetHeader(tokens);
    case 'r':
      return parseResultHeader(tokens);
    case 'v':
      return word === 'value' ? parseValueHeader(tokens) : parseVersionHeader(tokens);
    case 's':
      if (word === 'stats') return parseStatsHeader(tokens);
      if (word === 'syncend') return parseSyncEndHeader(tokens);
      if (word !== 'sync') throw new ProtocolError(`unknown command ${JSON.stringify(word)}`);
      return parseSyncHeader(tokens);
    case 't':
      return parseTransactionHeader(tokens);
    case 'q':
      return parseQuitHeader();
    case 'd':
      if (word !== 'dput') throw new ProtocolError(`unknown command ${JSON.stringify(word)}`);
      return parseDelayedPutHeader(tokens);
    case 'a':
      if (word === 'auth') return parseAuthHeader(tokens);
      if (word !== 'admin') throw new ProtocolError(`unknown command ${JSON.stringify(word)}`);
      return parseAdminHeader(tokens);
    default:
      throw new ProtocolError(`unknown command ${JSON.stringify(word)}`);
  }
}
