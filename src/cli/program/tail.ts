import { Option } from 'commander';
import type { Command } from 'commander';
import { MetaqError } from '../../common/errors.js';
import { defaultTailOptions } from '../../integrations/tail/tail-defaults.js';
import { urlOf } from '../broker-target.js';
import { integer, regularExpression, repeatable, topicName } from './option-values.js';
import type { BrokerOptionValues } from './shared-options.js';
import { rootOption, stopSignal, withBrokerOptions, zkOption } from './shared-options.js';
import { required } from './required-options.js';

interface TailOptions extends BrokerOptionValues {
  zk?: string;
  root: string;
  topic: string;
  files?: string[];
  pattern?: RegExp;
  checkpoint?: string;
  from: 'start' | 'end';
  ordered: boolean;
  withPath: boolean;
  batch: number;
  pollMs: number;
  quietMs: number;
  partitions?: number;
}

/** `metaq tail` (MetaQ's tail4j): ship growing log files to a topic; survives rotation and restarts. */
export function registerTail(program: Command): void {
  const d = defaultTailOptions;
  withBrokerOptions(
    program
      .command('tail')
      .summary('ship growing log files to a topic')
      .description(
        "Ship growing log files to a topic, one message per record, until SIGINT or SIGTERM (MetaQ's tail4j). Follows rotation by rename and copy-truncate; a checkpoint makes a restart go on where it stopped, repeating at most one batch. Sends to --host/--port, or through the cluster with --zk.",
      )
      .addOption(required(new Option('--topic <T>', 'the topic to send to').argParser(topicName)))
      .addOption(repeatable('--files <GLOB>', 'files to ship; repeat for several globs (include rotated names: app.log*)'))
      .addOption(
        new Option(
          '--pattern <REGEX>',
          'a line matching it starts a record; the lines up to the next start belong to it (default: one record per line)',
        ).argParser(regularExpression),
      )
      .addOption(new Option('--checkpoint <FILE>', 'where the positions are kept (default: ~/.metaq-tail/TOPIC.checkpoint.json)'))
      .addOption(new Option('--from <WHERE>', 'where files found at the very first start begin (end is tail -f)').choices(['start', 'end']).default(d.from))
      .addOption(new Option('--ordered', 'one send at a time per file: strict order even when a send fails and is retried').default(d.ordered))
      .addOption(new Option('--with-path', "the file's path as the message attribute").default(d.pathAttribute))
      .addOption(new Option('--batch <N>', 'records per batch (and at most 1 MiB)').default(d.batchRecords).argParser(integer))
      .addOption(new Option('--poll-ms <MS>', 'how often files are looked at when there is nothing to read').default(d.pollMs).argParser(integer))
      .addOption(new Option('--quiet-ms <MS>', 'after this long without new bytes, a record being joined is complete').default(d.quietMs).argParser(integer))
      .addOption(new Option('--partitions <N>', "direct mode: the topic's partition count, so one file always goes to one partition").argParser(integer))
      .addOption(zkOption('cluster mode: brokers and partitions from ZooKeeper, instead of --host/--port'))
      .addOption(rootOption()),
  ).action(async (options: TailOptions) => {
    const { topic, files = [] } = options;
    if (files.length === 0) throw new MetaqError('USAGE', 'tail needs at least one --files GLOB');
    const { defaultCheckpointPath, tail } = await import('../tail-command.js');
    const client =
      options.zk !== undefined
        ? { zkConnect: options.zk, zkRoot: options.root }
        : { serverUrl: urlOf(options), partitions: options.partitions === undefined ? undefined : { [topic]: options.partitions } };
    await tail(
      client,
      {
        ...d,
        topic,
        files,
        startOfRecord: options.pattern,
        checkpointPath: options.checkpoint ?? defaultCheckpointPath(topic),
        from: options.from,
        ordered: options.ordered,
        pathAttribute: options.withPath,
        batchRecords: options.batch,
        pollMs: options.pollMs,
        quietMs: options.quietMs,
      },
      stopSignal(),
      process.stderr,
    );
  });
}
