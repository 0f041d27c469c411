import type { DelayedPutCommand } from '../../protocol/commands.js';
import { encodeResult } from '../../protocol/encoder.js';
import { Status } from '../../protocol/status.js';
import type { BrokerContext, ReplySink } from '../broker-context.js';
import { StoreRefusal } from '../partition-stores.js';
import { checkSet } from './message-set-stamp.js';
import { admitWrite, fitsMessageSize, putFailure } from './put-admission.js';

/** The furthest ahead a set may be scheduled. */
export const MAX_DELAY_MS = 90 * 24 * 60 * 60 * 1000;

/** `dput` (metaq extension): keep a set in the broker's schedule until `deliverAtMs`, then append it to its partition. */
export function handleDelayedPut(command: DelayedPutCommand, ctx: BrokerContext, reply: ReplySink): void {
  const { topic, opaque, count, body, deliverAtMs } = command;
  ctx.counters.cmdPut += count;
  const settings = ctx.stores.settings(topic);
  const partition = command.partition === -1 && settings !== undefined ? Math.floor(Math.random() * settings.numPartitions) : command.partition;
  const fail = putFailure(ctx, reply, topic, partition, opaque);
  const latest = ctx.clock.wallMs() + MAX_DELAY_MS;
  if (deliverAtMs > latest) {
    // Only `latest` is shown as a date: deliverAtMs may lie beyond what a Date can hold.
    fail(Status.badRequest, `deliverAtMs ${deliverAtMs} is more than 90 days ahead (the latest accepted now is ${latest}, ${new Date(latest).toISOString()}); deliverAtMs is milliseconds since 1970: schedule it later, or keep it elsewhere until then`);
    return;
  }
  try {
    ctx.stores.checkAccepts(topic, partition);
  } catch (error) {
    if (!(error instanceof StoreRefusal)) throw error;
    fail(Status.internalServerError, error.message);
    return;
  }
  if (!admitWrite(ctx, topic, partition, fail)) return;
  const checked = checkSet(body, count);
  if (typeof checked === 'string') {
    fail(Status.internalServerError, checked);
    return;
  }
  if (!fitsMessageSize(ctx, topic, checked.largestPayload, fail)) return;
  ctx.delayed.schedule({ deliverAtMs, topic, partition, count, set: body }, ctx.ids.next(), (error, scheduleId) => {
    if (error !== undefined) fail(Status.internalServerError, error.message);
    else reply.send(encodeResult(Status.success, opaque, `${scheduleId} ${partition} ${deliverAtMs} ${count}`));
  });
}
