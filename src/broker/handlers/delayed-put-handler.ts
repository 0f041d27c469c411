import type { DelayedPutCommand } from '../../protocol/commands.js';
import { Status } from '../../protocol/status.js';
import { checkSet } from './message-set-stamp.js';
import { ok } from './outcome.js';
import { sizeRefusal, storeRefusal, writeFailed, writeRefusal } from './put-admission.js';
import type { RequestContext } from './request-context.js';

/** The furthest ahead a set may be scheduled. */
export const MAX_DELAY_MS = 90 * 24 * 60 * 60 * 1000;

/** `dput` (metaq extension): keep a set in the broker's schedule until `deliverAtMs`, then append it to its partition. */
export function handleDelayedPut(command: DelayedPutCommand, request: RequestContext): void {
  const ctx = request.broker;
  const { topic, count, body, deliverAtMs } = command;
  const settings = ctx.stores.settings(topic);
  const partition = command.partition === -1 && settings !== undefined ? Math.floor(Math.random() * settings.numPartitions) : command.partition;
  const latest = ctx.clock.wallMs() + MAX_DELAY_MS;
  if (deliverAtMs > latest) {
    // Only `latest` is shown as a date: deliverAtMs may lie beyond what a Date can hold.
    const reason = `deliverAtMs ${deliverAtMs} is more than 90 days ahead (the latest accepted now is ${latest}, ${new Date(latest).toISOString()}); deliverAtMs is milliseconds since 1970: schedule it later, or keep it elsewhere until then`;
    return request.answer(command, writeFailed(ctx, topic, partition, count, Status.badRequest, reason));
  }
  const refusal = storeRefusal(ctx, topic, partition, count) ?? writeRefusal(ctx, topic, partition, count);
  if (refusal !== undefined) return request.answer(command, refusal);
  const checked = checkSet(body, count);
  if (typeof checked === 'string') return request.answer(command, writeFailed(ctx, topic, partition, count, Status.internalServerError, checked));
  const oversized = sizeRefusal(ctx, topic, partition, count, checked.largestPayload);
  if (oversized !== undefined) return request.answer(command, oversized);
  ctx.delayed.schedule({ deliverAtMs, topic, partition, count, set: body }, ctx.ids.next(), (error, scheduleId) => {
    if (error !== undefined) request.answer(command, writeFailed(ctx, topic, partition, count, Status.internalServerError, error.message));
    else request.answer(command, ok(`${scheduleId} ${partition} ${deliverAtMs} ${count}`));
  });
}
