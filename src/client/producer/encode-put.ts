import { checksum } from '../../common/checksum.js';
import { encodePayload } from '../../protocol/payload.js';
import { InvalidArgumentError } from '../errors.js';
import type { OutgoingMessage } from '../message.js';
import { checkTopic } from '../validate.js';
import type { EncodedPut } from './put-set-batcher.js';

/** A message checked and encoded for the wire, with its checksum. */
export function encodePut(message: OutgoingMessage, timeoutMs: number): EncodedPut {
  if (typeof message !== 'object' || message === null) throw new InvalidArgumentError('message', 'must be an object with topic and data');
  const topic = checkTopic(message.topic, 'message.topic');
  const data = typeof message.data === 'string' ? Buffer.from(message.data, 'utf8') : message.data;
  if (!(data instanceof Uint8Array)) throw new InvalidArgumentError('message.data', 'must be a string, Buffer or Uint8Array');
  if (message.attribute !== undefined && typeof message.attribute !== 'string')
    throw new InvalidArgumentError('message.attribute', 'must be a string when given');
  const { payload, flag } = encodePayload(data, message.attribute);
  return { topic, payload, flag, crc: checksum(payload), timeoutMs };
}

/** A batch's messages encoded, all of one topic. */
export function encodeBatch(messages: readonly OutgoingMessage[], timeoutMs: number): EncodedPut[] {
  return messages.map((message, n) => {
    const put = encodePut(message, timeoutMs);
    if (n > 0 && put.topic !== messages[0]!.topic)
      throw new InvalidArgumentError(
        `messages[${n}].topic`,
        `is ${put.topic}, but a batch goes to one topic (${messages[0]!.topic}): send one batch per topic`,
      );
    return put;
  });
}
