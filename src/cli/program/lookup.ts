import { Option } from 'commander';
import type { Command } from 'commander';
import { MetaqError } from '../../common/errors.js';
import { urlOf } from '../broker-target.js';
import { integer, messageId, topicName } from './option-values.js';
import type { BrokerOptionValues } from './shared-options.js';
import { withBrokerOptions } from './shared-options.js';
import type { JsonOptionValues } from './json-option.js';
import { withJsonOption } from './json-option.js';

interface LookupOptions extends BrokerOptionValues, JsonOptionValues {
  key?: string;
  id?: bigint;
  limit?: number;
  partitions?: number;
}

/** `metaq lookup TOPIC (--key K | --id ID)`: messages by key on topics with keyIndex=true, or by id. Exits 1 when none. */
export function registerLookup(program: Command): void {
  withJsonOption(
    withBrokerOptions(
      program
        .command('lookup')
        .summary('find messages by key or by id')
        .description('Print the messages of a topic with a key (on topics with keyIndex=true), or the message with an id. Exits 1 when there is none.')
        .argument('<topic>', 'the topic', topicName)
        .addOption(new Option('--key <K>', 'messages with this key'))
        .addOption(new Option('--id <ID>', 'the message with this id').argParser(messageId).conflicts('key'))
        .addOption(new Option('--limit <N>', 'with --key: at most this many, the newest').argParser(integer))
        .addOption(new Option('--partitions <N>', 'how many partitions the topic has (default: as the broker says)').argParser(integer)),
    ),
  ).action(async (topic: string, options: LookupOptions) => {
    if (options.key === undefined && options.id === undefined) throw new MetaqError('USAGE', 'lookup needs either --key K or --id ID');
    const { lookup } = await import('../lookup-command.js');
    const found = await lookup(
      { serverUrl: urlOf(options), topic, partitions: options.partitions, key: options.key, id: options.id, limit: options.limit, json: options.json },
      process.stdout,
    );
    if (found > 0) return;
    process.stderr.write(
      `no message in ${topic} with ${options.key === undefined ? `id ${options.id}` : `key ${JSON.stringify(options.key)} (is keyIndex=true set for the topic?)`}\n`,
    );
    process.exitCode = 1;
  });
}
