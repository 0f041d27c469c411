import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import { AdminClient } from '../../admin/admin-client.js';
import { integer, repeatable, topicName } from './option-values.js';
import type { AdminListOptionValues } from './shared-options.js';
import { withAdminListOptions } from './shared-options.js';
import { adminList } from './admin-list.js';
import { tokenOf } from '../broker-token.js';
import type { JsonOptionValues } from './json-option.js';
import { withJsonOption } from './json-option.js';
import type { AdminTarget, TopicSettingsChange } from '../topic-command.js';

type TopicOptions = AdminListOptionValues & JsonOptionValues;

interface ChangeOptions extends TopicOptions {
  partitions?: number;
  set?: string[];
  unset?: string[];
}

async function targets(options: AdminListOptionValues): Promise<AdminTarget[]> {
  const { brokers, token } = await adminList(options);
  return brokers.map((url) => ({ url, client: new AdminClient(url, tokenOf(token, url)) }));
}

/** `--set key=value`, kept as the pair it names. */
function setting(text: string, previous: Record<string, string> | undefined): Record<string, string> {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('It must be KEY=VALUE, e.g. deletePolicy=delete,72h.');
  return { ...previous, [text.slice(0, eq).trim()]: text.slice(eq + 1).trim() };
}

function change(options: ChangeOptions): TopicSettingsChange {
  return {
    ...(options.partitions === undefined ? {} : { partitions: options.partitions }),
    ...(options.set === undefined ? {} : { set: options.set as unknown as Record<string, string> }),
    ...(options.unset === undefined ? {} : { unset: options.unset }),
  };
}

/** `--set KEY=VALUE`, for create and alter alike. */
function setOption(): Option {
  return new Option('--set <KEY=VALUE>', 'a [topic=…] setting, e.g. deletePolicy=delete,72h; repeat for several').argParser(setting);
}

function subcommand(topic: Command, name: string, summary: string, description: string): Command {
  return withJsonOption(withAdminListOptions(topic.command(name).summary(summary).description(description)));
}

/** `metaq topic create|list|describe|alter|delete`: a running broker's topics, like `rpk topic` (docs/operations.md, topics). */
export function registerTopic(program: Command): void {
  const topic = program
    .command('topic')
    .summary('create, list, describe, alter and delete topics of running brokers')
    .description(
      "Create, list, describe, alter and delete the topics of running brokers through their admin API. Changes are written to the broker's server.ini (or, for a broker started without one, to DATA.metaq/server.ini beside its data directory) before they take effect, so they last across restarts; in cluster mode the broker publishes them in ZooKeeper. Give --admin once per broker to change several.",
    );

  subcommand(
    topic,
    'create',
    'create a topic',
    'Create a topic: a [topic=NAME] section starting from the wildcard section that accepted the name, if any, with the partitions and settings given.',
  )
    .argument('<name>', 'the topic', topicName)
    .addOption(new Option('--partitions <N>', 'number of partitions ([topic] numPartitions)').argParser(integer))
    .addOption(setOption())
    .action(async (name: string, options: ChangeOptions) => {
      const { createTopic } = await import('../topic-command.js');
      await createTopic(await targets(options), name, change(options), process.stdout, options.json);
    });

  subcommand(topic, 'list', 'list topics', 'List every topic a broker stores or has its own section for, with its partitions, messages and bytes.')
    .addOption(new Option('--filter <TEXT>', 'only topics whose name holds TEXT (any case)').default(''))
    .action(async (options: TopicOptions & { filter: string }) => {
      const { listTopics } = await import('../topic-command.js');
      await listTopics(await targets(options), options.filter, process.stdout, options.json);
    });

  subcommand(
    topic,
    'describe',
    "print a topic's settings and partitions",
    "Print a topic's effective settings and each stored partition's offsets, messages and bytes.",
  )
    .argument('<name>', 'the topic', topicName)
    .action(async (name: string, options: TopicOptions) => {
      const { describeTopic } = await import('../topic-command.js');
      await describeTopic(await targets(options), name, process.stdout, options.json);
    });

  subcommand(
    topic,
    'alter',
    'add partitions or change settings',
    "Add partitions (never fewer: messages and offsets live in them) or set and unset a topic's settings.",
  )
    .argument('<name>', 'the topic', topicName)
    .addOption(new Option('--partitions <N>', 'the new number of partitions, not below the current one').argParser(integer))
    .addOption(setOption())
    .addOption(repeatable('--unset <KEY>', 'remove a setting from the topic section (the [system] value applies again); repeat for several'))
    .action(async (name: string, options: ChangeOptions) => {
      const { alterTopic } = await import('../topic-command.js');
      await alterTopic(await targets(options), name, change(options), process.stdout, options.json);
    });

  subcommand(
    topic,
    'delete',
    'delete a topic and its messages',
    'Delete a topic: its section and every stored partition with its messages. Without --force, only says what would go.',
  )
    .argument('<name>', 'the topic', topicName)
    .addOption(new Option('--force', 'really delete').default(false))
    .action(async (name: string, options: TopicOptions & { force: boolean }) => {
      const { deleteTopic } = await import('../topic-command.js');
      await deleteTopic(await targets(options), name, options.force, process.stdout, options.json);
    });
}
