import { MetaqError } from '../../common/errors.js';
import { RECORD_HEADER_SIZE } from '../../protocol/record.js';

/**
 * Why a fetch at `offset` returned bytes but no whole message. Offsets are byte positions, so an
 * offset inside a message reads part of one as a header: its length is then negative, or runs past
 * the partition's end, which shows as the broker sending fewer bytes than `maxSize`. A real message
 * larger than `maxSize` fills the whole fetch.
 */
export function noWholeMessage(partition: string, offset: number, body: Buffer, maxSize: number): MetaqError {
  const length = body.length >= RECORD_HEADER_SIZE ? body.readInt32BE(0) : -1;
  if (length >= 0 && body.length >= maxSize)
    return new MetaqError(
      'MESSAGE_TOO_LARGE',
      `the message at ${partition}@${offset} is larger than maxSize ${maxSize}; fetch with a larger maxSize (and raise the broker's maxTransferSize)`,
    );
  // A short fetch can also be the broker's maxTransferSize cutting a real message below maxSize.
  const cappedByBroker = length >= 0 ? ` (or, if the broker's maxTransferSize is ${body.length}, the message there is larger than that)` : '';
  return new MetaqError(
    'NOT_A_MESSAGE_START',
    `offset ${offset} of ${partition} is not at the start of a message${cappedByBroker}; offsets are byte positions: fetch from an offset a send result or a received message gave, or from offsetForTime()`,
  );
}
