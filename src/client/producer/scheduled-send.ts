import { MetaqError } from '../../common/errors.js';
import { DELAYED_PUT_EXTENSION } from '../../protocol/commands.js';
import { RECORD_HEADER_SIZE } from '../../protocol/record.js';
import { decodeDelayedPutReply } from '../../protocol/commands/delayed-put.js';
import { InvalidArgumentError } from '../errors.js';
import type { Partition } from '../message.js';
import type { BrokerTransport } from '../transport/broker-transport.js';
import type { EncodedPut } from './put-set-batcher.js';
import { writeUnstampedRecord } from './put-set-batcher.js';

/** When a scheduled message is delivered: at a time, or after a delay from now. */
export interface ScheduleOptions {
  /** Deliver at this time (a Date or ms since 1970); a time already past means now. */
  at?: Date | number;
  /** Deliver this many milliseconds from now. */
  delayMs?: number;
  partition?: Partition;
  timeoutMs?: number;
}

/** Where and when a scheduled message will appear; its offset and id are given at delivery. */
export interface ScheduleResult {
  partition: Partition;
  deliverAt: Date;
  /** The set's place in the broker's schedule. */
  scheduleId: number;
}

/** The delivery time `options` ask for, in ms since 1970, checked. */
export function deliveryTime(options: ScheduleOptions, nowMs: number): number {
  const { at, delayMs } = options;
  if ((at === undefined) === (delayMs === undefined))
    throw new InvalidArgumentError('options', 'needs exactly one of at (a Date or ms since 1970) and delayMs');
  if (delayMs !== undefined) {
    if (!Number.isFinite(delayMs) || delayMs < 0)
      throw new InvalidArgumentError('options.delayMs', `must be a non-negative number of milliseconds, got ${String(delayMs)}`);
    return Math.round(nowMs + delayMs);
  }
  const ms = at instanceof Date ? at.getTime() : at;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0)
    throw new InvalidArgumentError('options.at', `must be a valid Date or ms since 1970, got ${String(at)}`);
  return Math.round(ms);
}

/** Send one message to a broker's schedule (`dput`) and read where it will go. */
export async function sendScheduled(connection: BrokerTransport, partition: Partition, put: EncodedPut, deliverAtMs: number): Promise<ScheduleResult> {
  if (!(await connection.extensions()).has(DELAYED_PUT_EXTENSION)) {
    throw new MetaqError('UNSUPPORTED', `${connection.address.url} does not offer delayed messages (+dput): it is not a metaq broker, or an older one`);
  }
  const body = Buffer.allocUnsafe(RECORD_HEADER_SIZE + put.payload.length);
  writeUnstampedRecord(body, 0, put);
  const reply = await connection.request(
    (opaque) => ({ kind: 'dput', topic: put.topic, partition: partition.index, count: 1, deliverAtMs, opaque, body }),
    put.timeoutMs,
    'schedule',
  );
  const scheduled = decodeDelayedPutReply(reply);
  return {
    partition: { brokerId: Math.max(0, partition.brokerId), index: scheduled.partition },
    deliverAt: new Date(deliverAtMs),
    scheduleId: scheduled.scheduleId,
  };
}
