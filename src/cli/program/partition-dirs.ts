import { Option } from 'commander';
import type { Command } from 'commander';
import { integer, topicName } from './option-values.js';
import { required } from './required-options.js';
import type { JsonOptionValues } from './json-option.js';
import { withJsonOption } from './json-option.js';

// Partition directories of a stopped broker, changed on disk.

/** `--data`, `--topic`, `--start` and `--end`: which partition directories. */
interface PartitionRange {
  data: string;
  topic: string;
  start: number;
  end: number;
}

function withPartitionRange(command: Command): Command {
  return command
    .addOption(required(new Option('--data <DIR>', "the stopped broker's data directory")))
    .addOption(required(new Option('--topic <T>', 'the topic').argParser(topicName)))
    .addOption(required(new Option('--start <A>', 'first partition').argParser(integer)))
    .addOption(required(new Option('--end <B>', 'last partition').argParser(integer)));
}

/** `metaq move-partitions`: rename T-i to T-(i+K). */
export function registerMovePartitions(program: Command): void {
  withJsonOption(
    withPartitionRange(
      program
        .command('move-partitions')
        .summary("renumber a stopped broker's partition directories")
        .description('Rename the partition directories T-A … T-B of a stopped broker to T-(A+K) … T-(B+K); refused while a broker runs on the directory.'),
    ).addOption(required(new Option('--offset <K>', 'how far to move them (negative moves down)').argParser(integer))),
  ).action(async (options: PartitionRange & JsonOptionValues & { offset: number }) => {
    const { movePartitionDirs } = await import('../operations-commands.js');
    const range = { start: options.start, end: options.end, by: options.offset };
    await movePartitionDirs(options.data, options.topic, range, process.stdout, options.json);
  });
}

/** `metaq delete-partitions`: without --force, only lists what would go. */
export function registerDeletePartitions(program: Command): void {
  withJsonOption(
    withPartitionRange(
      program
        .command('delete-partitions')
        .summary("delete a stopped broker's partition directories")
        .description(
          'Delete the partition directories T-A … T-B of a stopped broker, with every message in them. Without --force, only says what would go; refused while a broker runs on the directory (it keeps .metaq-broker.pid there).',
        ),
    ).addOption(new Option('--force', 'really delete').default(false)),
  ).action(async (options: PartitionRange & JsonOptionValues & { force: boolean }) => {
    const { deletePartitionDirs } = await import('../operations-commands.js');
    const range = { start: options.start, end: options.end, force: options.force };
    await deletePartitionDirs(options.data, options.topic, range, process.stdout, options.json);
  });
}
