import { Status } from '../../protocol/status.js';
import type { BrokerContext } from '../broker-context.js';
import { admitWrite, afterReplication, countPuts, withLog } from '../handlers/put-admission.js';
import type { PutFailure } from '../handlers/put-admission.js';
import { stampSet } from '../handlers/message-set-stamp.js';
import type { AppendCallback } from '../../storage/log-append.js';
import type { ScheduledSet } from './scheduled-set.js';

/**
 * Append a due set to its partition as a batched put would: the same admission (a closed
 * partition, a fenced broker or an unready sync slave refuse it, and the schedule tries again
 * later), fresh ids stamped at delivery (so a message's id tells when it became visible), and
 * resolved once written and, with a sync slave, replicated.
 */
export function deliverScheduled(ctx: BrokerContext, scheduled: ScheduledSet): Promise<void> {
  const { topic, partition, count } = scheduled;
  return new Promise((resolve, reject) => {
    const fail: PutFailure = (code, reason) => reject(new Error(`${code}: ${reason}`));
    if (!admitWrite(ctx, topic, partition, fail)) return;
    // Unbudgeted (the last argument): the set was checked against maxTopics/maxPartitions and acked
    // when scheduled; refused now (the topics filled meanwhile), it would be retried for ever.
    withLog(ctx, topic, partition, fail, (log) => {
      const set = Buffer.from(scheduled.set); // ids are stamped in place; the schedule's copy stays as it is
      const stamped = stampSet(set, count, (ids) => ctx.ids.nextBlock(ids));
      if (typeof stamped === 'string') {
        // Checked when it was scheduled: only damage on disk gets here, and retrying cannot help.
        ctx.logger.error({ component: 'delayed', topic, partition, reason: stamped }, 'a scheduled set is damaged and was dropped');
        resolve();
        return;
      }
      const stored: AppendCallback = (error, offset) => {
        if (error !== undefined) fail(Status.internalServerError, error.message);
        else afterReplication(ctx, log, offset + set.length, () => {
          countPuts(ctx, topic, partition, stamped.messages, stamped.payloadBytes);
          resolve();
        }, fail);
      };
      log.append({ kind: 'framed', set, records: count, latestTimeMs: stamped.latestTimeMs, done: stored });
    }, false);
  });
}
