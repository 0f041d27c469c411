import type { KeyOffsetsCommand, OffsetForTimeCommand } from '../../protocol/commands.js';
import { Status } from '../../protocol/status.js';
import type { PartitionStore } from '../../storage/partition-store.js';
import { ok, refused } from './outcome.js';
import type { RequestContext } from './request-context.js';

/**
 * Answer a lookup in one partition's indexes (`otime`, `okey`): 404 for a partition this broker
 * does not have, MetaQ's wording; the lookup's text with 200; 500 saying what failed.
 */
export function answerPartitionLookup(
  command: OffsetForTimeCommand | KeyOffsetsCommand,
  request: RequestContext,
  by: string,
  lookup: (log: PartitionStore) => Promise<string>,
): void {
  const ctx = request.broker;
  const { topic, partition } = command;
  const log = ctx.stores.find(topic, partition);
  if (log === undefined) return request.answer(command, refused(Status.notFound, `The topic \`${topic}\` in partition \`${partition}\` is not exists`));
  lookup(log).then(
    (text) => request.answer(command, ok(text)),
    (error: unknown) => {
      ctx.logger.error({ component: 'lookup', by, err: error, topic, partition }, 'partition lookup failed');
      request.answer(
        command,
        refused(Status.internalServerError, `could not look up ${topic}-${partition} by ${by}: ${error instanceof Error ? error.message : String(error)}`),
      );
    },
  );
}
