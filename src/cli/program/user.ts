import { Argument, Option } from 'commander';
import type { Command } from 'commander';
import { repeatable } from './option-values.js';
import type { AdminOptionValues } from './shared-options.js';
import { adminClient, withAdminOptions } from './shared-options.js';
import type { JsonOptionValues } from './json-option.js';
import { checkJsonAction, withJsonOption } from './json-option.js';

interface UserOptions extends AdminOptionValues, JsonOptionValues {
  users?: string;
  publish?: string[];
  subscribe?: string[];
  adminRights: boolean;
}

/** `metaq user add|remove|list`: the users of a broker with [auth] enabled. */
export function registerUser(program: Command): void {
  withJsonOption(
    withAdminOptions(
      program
        .command('user')
        .summary('add, remove or list the users of a broker with [auth] enabled')
        .description(
          'Add, remove or list the users of a broker with [auth] enabled, through its admin API, or in the users file of a stopped broker with --users (to create the first admin). add takes the password from METAQ_PASSWORD or the first line of standard input; topics may hold *.',
        )
        .addArgument(new Argument('<action>', 'what to do').choices(['add', 'remove', 'list']))
        .argument('[name]', 'with add or remove: the user')
        .addOption(new Option('--users <FILE>', "change this users file instead of a running broker's users"))
        .addOption(repeatable('--publish <TOPIC>', 'add: a topic the user may publish to; repeat for several'))
        .addOption(repeatable('--subscribe <TOPIC>', 'add: a topic the user may subscribe to; repeat for several'))
        .addOption(new Option('--admin-rights', 'add: the user may use the admin commands and API').default(false)),
    ),
  ).action(async (action: string, name: string | undefined, options: UserOptions) => {
    checkJsonAction(options, 'user', action, 'list');
    const { userCommand } = await import('../user-command.js');
    const store = options.users !== undefined ? { file: options.users } : { admin: adminClient(options) };
    await userCommand(
      { action, name, rights: { publish: options.publish ?? [], subscribe: options.subscribe ?? [], admin: options.adminRights }, store, json: options.json },
      process.stdout,
    );
  });
}
