import type { Command } from '../../protocol/commands.js';
import { Status } from '../../protocol/status.js';
import { accessFor } from '../auth/access-rules.js';
import type { BrokerContext } from '../broker-context.js';
import type { Outcome, RefusedOutcome, StoredOutcome, WriteFailedOutcome } from '../handlers/outcome.js';
import type { HandledCommand } from '../handlers/request-context.js';

/**
 * The counters of `stats` and /metrics that commands move, in one place: what a command is
 * counted as when it reaches its handler (`countRequest`), and what its outcome adds
 * (`countOutcome`), on every transport. Handlers count nothing themselves.
 */
export function countRequest(ctx: BrokerContext, command: HandledCommand): void {
  const counters = ctx.counters;
  switch (command.kind) {
    case 'put':
      counters.cmdPut += 1;
      return;
    case 'mput':
    case 'dput':
      // Counted per message, so cmd_put means the same whether clients batch or not.
      counters.cmdPut += command.count;
      return;
    case 'sync':
      // Without the sync slave role nothing stores it (answered 503).
      if (ctx.replication.syncSlave !== undefined) counters.cmdPut += 1;
      return;
    case 'get':
      counters.cmdGet += 1;
      // Only existing partitions get counters: a client asking for made-up topics cannot grow them.
      if (ctx.stores.find(command.topic, command.partition) !== undefined) ctx.traffic.of(command.topic, command.partition).gets += 1;
      if (ctx.stores.settings(command.topic)?.stat === true) ctx.realtime.record('get', command.topic);
      return;
    case 'offset':
      counters.cmdOffset += 1;
      if (ctx.stores.settings(command.topic)?.stat === true) ctx.realtime.record('offset', command.topic);
      return;
    case 'otime':
    case 'okey':
      counters.cmdOffset += 1;
      return;
    default:
      return;
  }
}

/** Count an outcome, whether or not its reply can still be sent. */
export function countOutcome(ctx: BrokerContext, command: Command, outcome: Outcome): void {
  switch (outcome.kind) {
    case 'stored':
      return countStored(ctx, command, outcome);
    case 'writeFailed':
      return countWriteFailed(ctx, command, outcome);
    case 'refused':
      return countRefused(ctx, command, outcome);
    case 'messages':
      if (command.kind === 'get') ctx.traffic.of(command.topic, command.partition).getBytes += outcome.bytes.length;
      return;
    case 'ok':
      if (command.kind === 'sync' && ctx.stores.settings(command.topic)?.stat === true) ctx.realtime.record('put_slave', command.topic);
      return;
  }
}

function countStored(ctx: BrokerContext, command: Command, outcome: StoredOutcome): void {
  if (!('topic' in command)) return;
  const { topic } = command;
  if (outcome.retried) {
    ctx.traffic.of(topic, outcome.partition).putRetries += 1;
    return;
  }
  if (command.kind === 'mput') ctx.counters.cmdPut += outcome.messages - command.count; // a compressed record holds many messages
  countStoredMessages(ctx, topic, outcome.partition, outcome.messages, outcome.payloadBytes);
}

/** `messages` stored of `payloadBytes` payload bytes (a put, a set, a delayed set delivered): traffic and realtime stats. */
export function countStoredMessages(ctx: BrokerContext, topic: string, partition: number, messages: number, payloadBytes: number): void {
  const tally = ctx.traffic.of(topic, partition);
  tally.puts += messages;
  tally.putBytes += payloadBytes;
  if (ctx.stores.settings(topic)?.stat === true) {
    ctx.realtime.record('put', topic, messages, messages);
    ctx.realtime.record('message_size', topic, payloadBytes, messages);
  }
}

function countWriteFailed(ctx: BrokerContext, command: Command, outcome: WriteFailedOutcome): void {
  if (!('topic' in command)) return;
  const { topic } = command;
  const counters = ctx.counters;
  if (command.kind === 'mput') counters.cmdPut += outcome.messages - command.count;
  if (outcome.oversized) counters.oversizedMessages += 1;
  counters.putFailed += 1;
  if (ctx.stores.find(topic, outcome.partition) !== undefined) ctx.traffic.of(topic, outcome.partition).putErrors += 1;
  if (ctx.stores.settings(topic)?.stat === true) ctx.realtime.record('put_failed', topic);
}

function countRefused(ctx: BrokerContext, command: Command, outcome: RefusedOutcome): void {
  const counters = ctx.counters;
  switch (outcome.cause) {
    case 'busy':
      counters.busyRefusals += 1;
      return;
    case 'name':
      counters.invalidNames += 1;
      return;
    case 'login':
      counters.loginFailures += 1;
      return;
    case 'putFailed':
      counters.putFailed += 1;
      return;
    case 'denied': {
      const access = accessFor(command);
      if (access.right === 'publish' || access.right === 'subscribe' || access.right === 'admin') counters.accessDenials[access.right] += 1;
      return;
    }
    case 'miss':
      if (command.kind !== 'get') return;
      counters.getMiss += 1;
      if (ctx.stores.find(command.topic, command.partition) !== undefined) ctx.traffic.of(command.topic, command.partition).getMisses += 1;
      if (outcome.status === Status.moved) counters.cmdOffset += 1;
      if (ctx.stores.settings(command.topic)?.stat === true) ctx.realtime.record('get_miss', command.topic);
      return;
    case undefined:
      return;
  }
}
