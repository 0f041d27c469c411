import { Argument, Option } from 'commander';
import type { Command } from 'commander';
import { MetaqError } from '../../common/errors.js';
import { urlOf } from '../broker-target.js';
import { collectSignedMessageIds, groupName, integer, topicName } from './option-values.js';
import type { BrokerOptionValues } from './shared-options.js';
import { withBrokerOptions } from './shared-options.js';
import type { JsonOptionValues } from './json-option.js';
import { checkJsonAction, withJsonOption } from './json-option.js';
import { required } from './required-options.js';

interface DlqOptions extends BrokerOptionValues, JsonOptionValues {
  group: string;
  topic?: string;
  partitions?: number;
  limit?: number;
  id?: bigint[];
  all: boolean;
  offsets?: string;
}

/** `metaq dlq list|replay --group G`: a group's dead letters, and publishing them again. */
export function registerDlq(program: Command): void {
  withJsonOption(
    withBrokerOptions(
      program
        .command('dlq')
        .summary("list a group's dead letters, or replay them")
        .description(
          "list: a group's dead letters with their origin, failure count and last error. replay: publish dead letters (--id ID…, or --all) to the topic they failed in, as new messages; --all remembers in --offsets how far it got, so a later run replays only newer ones.",
        )
        .addArgument(new Argument('<action>', 'what to do').choices(['list', 'replay']))
        .addOption(required(new Option('--group <G>', 'the consumer group').argParser(groupName)))
        .addOption(new Option('--limit <N>', 'list: at most this many').argParser(integer))
        .addOption(
          new Option('--id <ID>', 'replay: this dead letter, as list prints its id; repeat, or separate with commas, for several').argParser(
            collectSignedMessageIds,
          ),
        )
        .addOption(new Option('--all', 'replay: every dead letter after the position in --offsets').default(false))
        .addOption(new Option('--offsets <FILE>', 'replay --all: where the position is kept'))
        .addOption(new Option('--topic <DLQ>', "the dead-letter topic, when the group set its own (default: the group's)").argParser(topicName))
        .addOption(new Option('--partitions <N>', 'how many partitions the dead-letter topic has (default: 1)').argParser(integer)),
    ),
  ).action(async (action: string, options: DlqOptions) => {
    checkJsonAction(options, 'dlq', action, 'list');
    const { listDeadLetters, replayDeadLetters } = await import('../dlq-command.js');
    const target = { serverUrl: urlOf(options), group: options.group, topic: options.topic, partitions: options.partitions };
    if (action === 'list') {
      await listDeadLetters(target, options.limit, process.stdout, options.json);
      return;
    }
    if ((options.id === undefined) === !options.all) throw new MetaqError('USAGE', 'dlq replay needs either --id ID (repeatable) or --all');
    const replayed = await replayDeadLetters({ ...target, ids: options.id, offsetsFile: options.offsets }, process.stdout);
    process.stderr.write(`${replayed} dead letters replayed\n`);
  });
}
