import { encodeResult } from '../../protocol/encoder.js';
import { Status } from '../../protocol/status.js';
import type { PartitionStore } from '../../storage/partition-store.js';
import type { BrokerContext, ReplySink } from '../broker-context.js';

/**
 * Answer a lookup in one partition's indexes (`otime`, `okey`): 404 for a partition this broker
 * does not have, MetaQ's wording; the lookup's text with 200; 500 saying what failed.
 */
export function answerPartitionLookup(ctx: BrokerContext, reply: ReplySink, request: { topic: string; partition: number; opaque: number }, by: string, lookup: (log: PartitionStore) => Promise<string>): void {
  ctx.counters.cmdOffset += 1;
  const { topic, partition, opaque } = request;
  const log = ctx.stores.find(topic, partition);
  if (log === undefined) {
    reply.send(encodeResult(Status.notFound, opaque, `The topic \`${topic}\` in partition \`${partition}\` is not exists`));
    return;
  }
  lookup(log).then(
    (text) => reply.send(encodeResult(Status.success, opaque, text)),
    (error: unknown) => {
      ctx.logger.error({ component: 'lookup', by, err: error, topic, partition }, 'partition lookup failed');
      reply.send(encodeResult(Status.internalServerError, opaque, `could not look up ${topic}-${partition} by ${by}: ${error instanceof Error ? error.message : String(error)}`));
    },
  );
}
