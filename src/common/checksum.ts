import { crc32 } from 'node:zlib';

/** MetaQ's checksum (§1.6): CRC-32 (zlib polynomial) of the payload with the top bit cleared. */
export function checksum(payload: Uint8Array): number {
  return crc32(payload) & 0x7fffffff;
}
