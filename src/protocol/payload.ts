/** Flag bit 0: the payload starts with an int32-length-prefixed attribute (docs/protocol.md, message format). */
export const FLAG_HAS_ATTRIBUTE = 1;

/** Build a put payload from data and an optional attribute, and the flag that goes with it. */
export function encodePayload(data: Uint8Array, attribute?: string): { payload: Buffer; flag: number } {
  if (attribute === undefined) return { payload: Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength), flag: 0 };
  const attr = Buffer.from(attribute, 'utf8');
  const payload = Buffer.allocUnsafe(4 + attr.length + data.length);
  payload.writeInt32BE(attr.length, 0);
  attr.copy(payload, 4);
  payload.set(data, 4 + attr.length);
  return { payload, flag: FLAG_HAS_ATTRIBUTE };
}

/** Split a stored payload back into data and attribute according to its flag. */
export function decodePayload(payload: Buffer, flag: number): { data: Buffer; attribute: string | undefined } {
  if ((flag & FLAG_HAS_ATTRIBUTE) === 0) return { data: payload, attribute: undefined };
  if (payload.length < 4) throw new RangeError('payload flagged with an attribute is shorter than the 4-byte attribute length');
  const attrLength = payload.readInt32BE(0);
  if (attrLength < 0 || 4 + attrLength > payload.length)
    throw new RangeError(`attribute length ${attrLength} does not fit in a ${payload.length}-byte payload`);
  return { data: payload.subarray(4 + attrLength), attribute: payload.toString('utf8', 4, 4 + attrLength) };
}
