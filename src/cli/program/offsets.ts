import { Option } from 'commander';
import type { Command } from 'commander';
import { groupName, integer, topicName } from './option-values.js';
import type { ZkOptionValues } from './shared-options.js';
import { withZkOptions } from './shared-options.js';
import type { JsonOptionValues } from './json-option.js';
import { withJsonOption } from './json-option.js';
import { required } from './required-options.js';

interface CopyOffsetsOptions extends ZkOptionValues, JsonOptionValues {
  topic: string;
  source: number;
  target: number;
  start: number;
  end: number;
  targetStart?: number;
}

/** `metaq copy-offsets` (MetaQ's CopyOffsetInZk): every group's offsets, from one broker's partitions to another's. */
export function registerCopyOffsets(program: Command): void {
  withJsonOption(
    withZkOptions(
      program
        .command('copy-offsets')
        .summary("copy every group's offsets of partitions from one broker to another")
        .description(
          "Copy every consumer group's offsets of a topic's partitions A … B on the source broker id to the target broker id in ZooKeeper (MetaQ's CopyOffsetInZk), so groups resume where they were after partitions move.",
        )
        .addOption(required(new Option('--topic <T>', 'the topic').argParser(topicName)))
        .addOption(required(new Option('--source <ID>', 'broker id the partitions were on').argParser(integer)))
        .addOption(required(new Option('--target <ID>', 'broker id they are on now').argParser(integer)))
        .addOption(required(new Option('--start <A>', 'first source partition').argParser(integer)))
        .addOption(required(new Option('--end <B>', 'last source partition').argParser(integer)))
        .addOption(new Option('--target-start <N>', 'target partition of A (default: A)').argParser(integer)),
    ),
  ).action(async (options: CopyOffsetsOptions) => {
    const { copyGroupOffsets } = await import('../operations-commands.js');
    const spec = {
      topic: options.topic,
      source: options.source,
      target: options.target,
      start: options.start,
      end: options.end,
      targetStart: options.targetStart,
    };
    await copyGroupOffsets(options.zk, options.root, spec, process.stdout, options.json);
  });
}

interface OffsetsOptions extends ZkOptionValues, JsonOptionValues {
  group: string;
  topic: string;
  db?: string;
  table: string;
}

/** `metaq offsets`: a group's committed offsets and owners, from ZooKeeper or from a database table. */
export function registerOffsets(program: Command): void {
  withJsonOption(
    withZkOptions(
      program
        .command('offsets')
        .summary("print a group's committed offsets of a topic")
        .description(
          "Print a consumer group's committed offsets of a topic and each partition's owner, as ZooKeeper holds them, or as a database table holds them with --db.",
        )
        .addOption(required(new Option('--group <G>', 'the consumer group').argParser(groupName)))
        .addOption(required(new Option('--topic <T>', 'the topic').argParser(topicName)))
        .addOption(new Option('--db <URL>', 'read them from this database instead: mysql://USER@HOST/DB or postgres://USER@HOST/DB'))
        .addOption(new Option('--table <NAME>', 'with --db: the table the consumers write').default('meta_topic_partition_group_offset')),
    ),
  ).action(async (options: OffsetsOptions) => {
    const [{ showOffsets }, { showSqlOffsets }] = await Promise.all([import('../operations-commands.js'), import('../sql-offsets.js')]);
    if (options.db !== undefined) await showSqlOffsets(options.db, options.table, options.group, options.topic, process.stdout, options.json);
    else await showOffsets(options.zk, options.root, options.group, options.topic, process.stdout, options.json);
  });
}
