import { Option } from 'commander';
import type { Command } from 'commander';
import { MetaqError } from '../../common/errors.js';
import { defaultBinlogOptions } from '../../integrations/binlog/binlog-defaults.js';
import { urlOf } from '../broker-target.js';
import { groupName, integer, listValues, repeatable, topicName } from './option-values.js';
import type { BrokerOptionValues } from './shared-options.js';
import { rootOption, stopSignal, withBrokerOptions, zkOption } from './shared-options.js';
import { required } from './required-options.js';

/** The options `keyedClient` reads. */
interface KeyedClientOptions extends BrokerOptionValues {
  zk?: string;
  root: string;
  partitions: number;
}

/** Direct mode with `--partitions` (default 1: one partition keeps every row in order), or cluster mode with `--zk`. */
function withKeyedClientOptions(command: Command): Command {
  return withBrokerOptions(command)
    .addOption(new Option('--partitions <N>', "direct mode: the topic's partition count (1 keeps every row in one order)").default(1).argParser(integer))
    .addOption(zkOption('cluster mode: brokers and partitions from ZooKeeper, instead of --host/--port'))
    .addOption(rootOption());
}

function keyedClient(options: KeyedClientOptions, topic: string) {
  return options.zk !== undefined
    ? { zkConnect: options.zk, zkRoot: options.root }
    : { serverUrl: urlOf(options), partitions: { [topic]: options.partitions } };
}

interface BinlogOptions extends KeyedClientOptions {
  source: string;
  topic: string;
  tables?: string[];
  checkpoint?: string;
  from: 'start' | 'end';
  serverId?: number;
  checkpointMs: number;
  maxInFlight: number;
}

/** `metaq binlog`: publish a MariaDB/MySQL row binlog, one message per row change, keyed by table and primary key. */
export function registerBinlog(program: Command): void {
  const d = defaultBinlogOptions;
  withKeyedClientOptions(
    program
      .command('binlog')
      .summary('publish a MariaDB/MySQL row binlog to a topic')
      .description(
        'Publish a MariaDB/MySQL row binlog, one message per row change keyed by table and primary key, until SIGINT or SIGTERM; a checkpoint makes a restart go on where it stopped (docs/integrations.md).',
      )
      .addOption(required(new Option('--source <URL>', 'the database to read: mysql://USER[:PASSWORD]@HOST[:PORT]/')))
      .addOption(required(new Option('--topic <T>', 'the topic to publish to').argParser(topicName)))
      .addOption(repeatable('--tables <DB.TABLE>', 'only these tables (DB.* for a whole database); repeat, or separate with commas (default: all)'))
      .addOption(new Option('--checkpoint <FILE>', 'where the binlog position is kept (default: ~/.metaq-binlog/TOPIC.checkpoint.json)'))
      .addOption(new Option('--from <WHERE>', "with no checkpoint: the binlog's current end, or its oldest file").choices(['start', 'end']).default(d.from))
      .addOption(new Option('--server-id <N>', 'replica server id (default: one derived from the checkpoint path)').argParser(integer))
      .addOption(new Option('--checkpoint-ms <MS>', 'how often the checkpoint is saved').default(d.checkpointMs).argParser(integer))
      .addOption(new Option('--max-in-flight <N>', 'unacknowledged messages before the binlog stream pauses').default(d.maxInFlight).argParser(integer)),
  ).action(async (options: BinlogOptions) => {
    const { binlog, defaultBinlogCheckpoint, defaultServerId, parseTables } = await import('../binlog-commands.js');
    const { topic, source } = options;
    const checkpoint = options.checkpoint ?? defaultBinlogCheckpoint(topic);
    const publishing = {
      topic,
      from: options.from,
      tables: parseTables(listValues(options.tables ?? [])),
      serverId: options.serverId ?? defaultServerId(checkpoint),
      checkpointMs: options.checkpointMs,
      maxInFlight: options.maxInFlight,
    };
    await binlog(keyedClient(options, topic), source, checkpoint, publishing, stopSignal(), process.stderr);
  });
}

interface ApplyOptions extends KeyedClientOptions {
  target: string;
  topic: string;
  group: string;
  offsetsTable: string;
  maxBatch: number;
}

/** `metaq binlog-apply`: write those row changes into another database, exactly once per message. */
export function registerBinlogApply(program: Command): void {
  withKeyedClientOptions(
    program
      .command('binlog-apply')
      .summary('write the row changes of a topic into another database')
      .description(
        "Write the row changes metaq binlog published into another MariaDB/MySQL or PostgreSQL database, exactly once per message: each batch and the group's offset in one database transaction. Runs until SIGINT or SIGTERM.",
      )
      .addOption(required(new Option('--target <URL>', 'the database to write: mysql://USER@HOST/DB or postgres://USER@HOST/DB')))
      .addOption(required(new Option('--topic <T>', 'the topic to read').argParser(topicName)))
      .addOption(new Option('--group <G>', 'the consumer group').argParser(groupName).default('binlog-apply'))
      .addOption(new Option('--offsets-table <NAME>', "the target's table of the group's offsets").default('meta_topic_partition_group_offset'))
      .addOption(new Option('--max-batch <N>', "a partition's changes per database transaction, at most").default(500).argParser(integer)),
  ).action(async (options: ApplyOptions) => {
    const { topic, target, maxBatch } = options;
    if (maxBatch < 1) throw new MetaqError('USAGE', `--max-batch must be at least 1, got ${maxBatch}`);
    const { binlogApply } = await import('../binlog-commands.js');
    await binlogApply(
      keyedClient(options, topic),
      target,
      { topic, group: options.group, offsetsTable: options.offsetsTable, maxBatch },
      stopSignal(),
      process.stderr,
    );
  });
}
