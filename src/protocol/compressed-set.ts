import * as zlib from 'node:zlib';
import { ProtocolError } from '../common/errors.js';

/**
 * metaq extension: one record whose payload is a compressed message set (flag bit 28; the codec
 * in bits 29–30). Payload: int32 count of the records inside, then the compressed records (in the
 * record format, ids -1). The broker stores it as one record and reserves `count` ids for it:
 * the n-th message inside has id `idAfter(outerId, n)` and the outer record's offset. MetaQ
 * clients cannot read such records; only producers that ask for compression write them.
 */
export const FLAG_COMPRESSED_SET = 1 << 28;
const CODEC_SHIFT = 29;

export type Codec = 'gzip' | 'zstd';
const CODEC_BITS: Record<Codec, number> = { gzip: 1, zstd: 2 };

interface ZstdZlib {
  zstdCompressSync?: (data: Buffer) => Buffer;
  zstdDecompressSync?: (data: Buffer) => Buffer;
}
const zstd = zlib as unknown as ZstdZlib;

/** zstd is in Node's zlib from 22.15 and 23.8 on; gzip everywhere. */
export function zstdAvailable(): boolean {
  return typeof zstd.zstdCompressSync === 'function';
}

export function isCompressedSet(flag: number): boolean {
  return (flag & FLAG_COMPRESSED_SET) !== 0;
}

/** Compress `count` records into the payload and flag of one record. Fast settings: the point is bytes on the wire and disk, cheaply. */
export function packSet(records: Buffer, count: number, codec: Codec): { payload: Buffer; flag: number } {
  const compressed = codec === 'gzip' ? zlib.gzipSync(records, { level: 1 }) : zstd.zstdCompressSync!(records);
  const payload = Buffer.allocUnsafe(4 + compressed.length);
  payload.writeInt32BE(count, 0);
  compressed.copy(payload, 4);
  return { payload, flag: FLAG_COMPRESSED_SET | (CODEC_BITS[codec] << CODEC_SHIFT) };
}

/** How many messages a compressed set holds, or 0 when its payload cannot say. */
export function innerCount(payload: Buffer): number {
  return payload.length < 4 ? 0 : Math.max(0, payload.readInt32BE(0));
}

/**
 * An intact compressed set this process cannot expand (zstd on a Node.js without it, or a codec
 * from a newer producer): not corruption, so it must not be skipped or "recovered" past.
 */
export class UnreadableCodecError extends ProtocolError {}

/** The records inside a compressed set; throws saying what is wrong with it. */
export function unpackSet(payload: Buffer, flag: number): { count: number; records: Buffer } {
  const code = (flag >>> CODEC_SHIFT) & 0b11;
  const count = innerCount(payload);
  if (count === 0) throw new ProtocolError('a compressed message set without a message count');
  const body = payload.subarray(4);
  try {
    if (code === CODEC_BITS.gzip) return { count, records: zlib.gunzipSync(body) };
    if (code === CODEC_BITS.zstd) {
      if (!zstdAvailable())
        throw new UnreadableCodecError(
          `a zstd-compressed message set needs Node.js 22.15 or later to read (this is ${process.version}): run this consumer on a newer Node.js, or have the producer use gzip`,
        );
      return { count, records: zstd.zstdDecompressSync!(body) };
    }
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError(`a compressed message set does not decompress: ${(error as Error).message}`, { cause: error });
  }
  throw new UnreadableCodecError(`a compressed message set with codec ${code}, which this metaq version does not know: upgrade the consumer`);
}
