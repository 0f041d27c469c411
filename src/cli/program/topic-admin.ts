import { Option } from 'commander';
import type { Command } from 'commander';
import { integer, topicName } from './option-values.js';
import type { AdminOptionValues } from './shared-options.js';
import { adminClient, withAdminOptions } from './shared-options.js';
import { required } from './required-options.js';
import type { JsonOptionValues } from './json-option.js';
import { withJsonOption } from './json-option.js';

// Changes to a running broker's topics, through its admin API (docs/operations.md).

/** `metaq reload`: re-read the topic sections of server.ini. */
export function registerReload(program: Command): void {
  withJsonOption(
    withAdminOptions(
      program
        .command('reload')
        .summary("re-read the topic sections of a broker's server.ini")
        .description(
          "Re-read the topic sections of a running broker's server.ini and print the topics added, changed and removed; changes that need a restart are named.",
        ),
    ),
  ).action(async (options: AdminOptionValues & JsonOptionValues) => {
    const { reload } = await import('../operations-commands.js');
    await reload(adminClient(options), process.stdout, options.json);
  });
}

interface CloseOptions extends AdminOptionValues {
  start: number;
  end: number;
}

/** `metaq close-partitions TOPIC --start A --end B`: puts and gets answer 403 until opened. */
export function registerClosePartitions(program: Command): void {
  withAdminOptions(
    program
      .command('close-partitions')
      .summary('close partitions of a topic: puts and gets answer 403')
      .description(
        'Close partitions A to B of a topic: puts and gets answer 403 until open-partitions or a broker restart, so producers move to other partitions.',
      )
      .argument('<topic>', 'the topic', topicName)
      .addOption(required(new Option('--start <A>', 'first partition to close').argParser(integer)))
      .addOption(required(new Option('--end <B>', 'last partition to close').argParser(integer))),
  ).action(async (topic: string, options: CloseOptions) => {
    const { closePartitions } = await import('../operations-commands.js');
    await closePartitions(adminClient(options), topic, options.start, options.end, process.stdout);
  });
}

/** `metaq open-partitions TOPIC`: undo close-partitions. */
export function registerOpenPartitions(program: Command): void {
  withAdminOptions(
    program
      .command('open-partitions')
      .summary('open every closed partition of a topic')
      .description('Open every partition of a topic that close-partitions closed.')
      .argument('<topic>', 'the topic', topicName),
  ).action(async (topic: string, options: AdminOptionValues) => {
    const { openPartitions } = await import('../operations-commands.js');
    await openPartitions(adminClient(options), topic, process.stdout);
  });
}
