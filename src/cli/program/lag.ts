import { Option } from 'commander';
import type { Command } from 'commander';
import { groupName, topicName } from './option-values.js';
import type { AdminListOptionValues } from './shared-options.js';
import { withAdminListOptions } from './shared-options.js';
import { adminList } from './admin-list.js';
import { JSON_LINES, withJsonOption } from './json-option.js';

interface LagOptions extends AdminListOptionValues {
  group?: string;
  topic?: string;
  json: boolean;
  all: boolean;
}

/** `metaq lag`: each group's lag per partition, in bytes, from every broker named. */
export function registerLag(program: Command): void {
  withJsonOption(
    withAdminListOptions(
      program
        .command('lag')
        .summary("print each consumer group's lag per partition")
        .description("Print each consumer group's lag per partition, in bytes, from every broker's admin API named.")
        .addOption(new Option('--group <G>', 'only this consumer group').argParser(groupName))
        .addOption(new Option('--topic <T>', 'only this topic').argParser(topicName))
        .addOption(new Option('--all', "also metaq's own groups: metaq-get, Just_for_Browser (console), meta-monitor-receive (monitor)").default(false)),
    ),
    JSON_LINES,
  ).action(async (options: LagOptions) => {
    const { lag } = await import('../lag-command.js');
    const { brokers, token } = await adminList(options);
    await lag({ brokers, token, group: options.group, topic: options.topic, json: options.json, all: options.all }, process.stdout);
  });
}
