import { Status } from '../../protocol/status.js';
import type { AppendCallback } from '../../storage/log-append.js';
import type { PartitionStore } from '../../storage/partition-store.js';
import type { BrokerContext } from '../broker-context.js';
import type { WriteFailedOutcome } from '../handlers/outcome.js';
import { openFailed, storeRefusal, whenReplicated, writeFailed, writeRefusal } from '../handlers/put-admission.js';
import { stampSet } from '../handlers/message-set-stamp.js';
import { countStoredMessages } from '../stats/request-stats.js';
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
    const fail = (failure: WriteFailedOutcome): void => reject(new Error(`${failure.status}: ${failure.text}`));
    // Unbudgeted (`false`): the set was checked against maxTopics/maxPartitions and acked when
    // scheduled; refused now (the topics filled meanwhile), it would be retried for ever.
    const refusal = writeRefusal(ctx, topic, partition, count) ?? storeRefusal(ctx, topic, partition, count, false);
    if (refusal !== undefined) return fail(refusal);
    const deliver = (log: PartitionStore): void => {
      const set = Buffer.from(scheduled.set); // ids are stamped in place; the schedule's copy stays as it is
      const stamped = stampSet(set, count, (ids) => ctx.ids.nextBlock(ids));
      if (typeof stamped === 'string') {
        // Checked when it was scheduled: only damage on disk gets here, and retrying cannot help.
        ctx.logger.error({ component: 'delayed', topic, partition, reason: stamped }, 'a scheduled set is damaged and was dropped');
        resolve();
        return;
      }
      const done: AppendCallback = (error, offset) => {
        if (error !== undefined) return fail(writeFailed(ctx, topic, partition, count, Status.internalServerError, error.message));
        whenReplicated(ctx, log, topic, partition, count, offset + set.length, (failure) => {
          if (failure !== undefined) return fail(failure);
          countStoredMessages(ctx, topic, partition, stamped.messages, stamped.payloadBytes);
          resolve();
        });
      };
      log.append({ kind: 'framed', set, records: count, latestTimeMs: stamped.latestTimeMs, done });
    };
    const store = ctx.stores.getOrCreate(topic, partition, false);
    if (store instanceof Promise) store.then(deliver, (error: unknown) => fail(openFailed(ctx, topic, partition, count, error)));
    else deliver(store);
  });
}
