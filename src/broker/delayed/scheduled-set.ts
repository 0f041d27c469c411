/** A message set waiting in the schedule: where it goes, when, and its records (ids unassigned). */
export interface ScheduledSet {
  deliverAtMs: number;
  topic: string;
  partition: number;
  count: number;
  set: Buffer;
}

/** deliverAtMs(8) topicLength(2) topic partition(4) count(4) set */
export function encodeScheduledSet(scheduled: ScheduledSet): Buffer {
  const topic = Buffer.from(scheduled.topic, 'utf8');
  const payload = Buffer.allocUnsafe(8 + 2 + topic.length + 8 + scheduled.set.length);
  payload.writeBigUInt64BE(BigInt(scheduled.deliverAtMs), 0);
  payload.writeUInt16BE(topic.length, 8);
  topic.copy(payload, 10);
  let at = 10 + topic.length;
  payload.writeInt32BE(scheduled.partition, at);
  payload.writeInt32BE(scheduled.count, at + 4);
  at += 8;
  scheduled.set.copy(payload, at);
  return payload;
}

export function decodeScheduledSet(payload: Buffer): ScheduledSet {
  const topicLength = payload.readUInt16BE(8);
  const at = 10 + topicLength;
  return {
    deliverAtMs: Number(payload.readBigUInt64BE(0)),
    topic: payload.toString('utf8', 10, at),
    partition: payload.readInt32BE(at),
    count: payload.readInt32BE(at + 4),
    set: payload.subarray(at + 8),
  };
}

/** The delivery time alone, without decoding the rest (the schedule is rebuilt from these). */
export function deliverAtOf(payload: Buffer): number {
  return Number(payload.readBigUInt64BE(0));
}
