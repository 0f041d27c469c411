import { Option } from 'commander';
import type { Command } from 'commander';
import { dateTime, groupName, integer, repeatable, topicName } from './option-values.js';
import type { BrokerOptionValues } from './shared-options.js';
import { withBrokerOptions, zkOption } from './shared-options.js';

/** `--zk` on produce and consume: cluster mode instead of the --host/--port broker. */
const CLUSTER_HELP = 'cluster mode: find every broker of the topic in this ZooKeeper (instead of --host/--port)';

interface ProduceOptions extends BrokerOptionValues {
  message?: string[];
  partition?: number;
  zk?: string;
}

/** `metaq produce TOPIC`: send messages, printing `<id> <partition> <offset>` for each. */
export function registerProduce(program: Command): void {
  withBrokerOptions(
    program
      .command('produce')
      .summary('send messages to a topic')
      .description(
        'Send messages to a topic and print "<id> <partition> <offset>" for each; without --message, each line of standard input is a message. Exits 2 if any send failed.',
      )
      .argument('<topic>', 'the topic to send to', topicName)
      .addOption(repeatable('--message <TEXT>', 'a message to send; repeat for several'))
      .addOption(
        new Option('--partition <N>', "send every message to this partition (default: round robin over all the topic's partitions)").argParser(integer),
      )
      .addOption(zkOption(CLUSTER_HELP)),
  ).action(async (topic: string, options: ProduceOptions) => {
    const { produce, stdinLines } = await import('../commands.js');
    const failures = await produce(options, topic, options.message ?? stdinLines(), process.stdout, process.stderr);
    if (failures > 0) process.exitCode = 2;
  });
}

interface ConsumeOptions extends BrokerOptionValues {
  partition?: number;
  zk?: string;
  offset?: number;
  from?: Date;
  limit?: number;
  follow: boolean;
  group?: string;
  offsets?: string;
  maxSize: number;
}

/** `metaq consume TOPIC`: print one line per message: partition, offset, id, attribute (or -), data (message-line.ts). */
export function registerConsume(program: Command): void {
  withBrokerOptions(
    program
      .command('consume')
      .summary("print a topic's messages")
      .description(
        'Print the messages of a topic (every partition, or one with --partition), one line each: partition (brokerId-index with --zk), offset, id, attribute (- when none) and data, separated by tabs; newlines, tabs, backslashes and other control characters in the attribute and data are escaped as in JSON strings (\\n, \\t, \\\\, \\u0001). With --group, positions are committed to --offsets and a later run resumes there. Exits 66 when the partition is not on the broker or the offset is past its end or inside a message.',
      )
      .argument('<topic>', 'the topic to read', topicName)
      .addOption(new Option('--partition <N>', 'read only this partition (default: every partition, each in order)').argParser(integer))
      .addOption(new Option('--offset <X>', 'start at this offset (default: 0)').argParser(integer))
      .addOption(
        new Option('--from <TIME>', 'start at the first message appended at or after this time (2026-11-24T10:00 local, or ending in Z or an offset)')
          .argParser(dateTime)
          .conflicts('offset'),
      )
      .addOption(new Option('--limit <N>', 'stop after this many messages').argParser(integer))
      .addOption(new Option('--follow', 'keep printing new messages, like tail -f').default(false))
      .addOption(new Option('--group <G>', 'read as this consumer group').argParser(groupName))
      .addOption(new Option('--offsets <FILE>', "where the group's positions are kept"))
      .addOption(new Option('--max-size <B>', 'largest fetch in bytes').default(1048576).argParser(integer))
      .addOption(zkOption(CLUSTER_HELP)),
  ).action(async (topic: string, options: ConsumeOptions) => {
    const { consume } = await import('../commands.js');
    const controller = new AbortController();
    process.once('SIGINT', () => controller.abort());
    await consume(
      options,
      {
        topic,
        partition: options.partition,
        offset: options.offset ?? 0,
        from: options.from,
        group: options.group,
        offsetsFile: options.offsets,
        maxSize: options.maxSize,
        limit: options.limit,
        follow: options.follow,
        signal: controller.signal,
      },
      process.stdout,
    );
  });
}
