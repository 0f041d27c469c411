import { ProtocolError } from '../common/errors.js';
import { parseJavaInt } from './java-numbers.js';

/** Check a transaction key's shape (docs/protocol.md, transaction); a bad key is a decode error, as in MetaQ. */
export function validateTransactionKey(key: string): void {
  if (key === 'null') return;
  if (key.startsWith('TX:')) {
    const counterAt = key.lastIndexOf(':');
    if (counterAt <= 2) throw new ProtocolError(`local transaction key ${JSON.stringify(key)} must look like TX:<sessionId>:<counter>`);
    parseJavaInt(key.slice(counterAt + 1), 'local transaction counter');
    return;
  }
  if (key.startsWith('XID:')) {
    const parts = key.split(':');
    if (parts.length !== 5)
      throw new ProtocolError(`XA transaction key ${JSON.stringify(key)} must have 5 ':'-separated parts (XID:format:gtrid:bqual:qualifier)`);
    parseJavaInt(parts[1], 'XA format id');
    for (const hex of [parts[2], parts[3]]) {
      if (hex === undefined || !/^(?:[0-9a-f]{2})*$/.test(hex))
        throw new ProtocolError(`XA transaction key ${JSON.stringify(key)} has a branch id that is not lower-case hex`);
    }
    return;
  }
  throw new ProtocolError(`transaction key ${JSON.stringify(key)} must start with TX: or XID:, or be null`);
}
