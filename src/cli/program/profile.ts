import { Argument, Option } from 'commander';
import type { Command } from 'commander';
import type { ServerAddress } from './server-address.js';
import { serverAddress } from './server-address.js';
import { listValues, profileName, repeatable } from './option-values.js';
import type { JsonOptionValues } from './json-option.js';
import { checkJsonAction, withJsonOption } from './json-option.js';

interface ProfileOptions extends JsonOptionValues {
  server?: ServerAddress;
  zk?: string;
  admin?: string[];
  token?: string;
  removeAdmin?: string[];
}

/**
 * `metaq profile save|list|show|use|delete`: saved connections, so commands over several brokers
 * need no token copied from each start-up log. No option here reads the environment: a profile
 * holds what was typed, not what the shell happened to export.
 */
export function registerProfile(program: Command): void {
  withJsonOption(
    program
      .command('profile')
      .summary('save, list, show, choose or delete connection profiles (server, zk, admin URLs and their tokens)')
      .description(
        'Save connection settings under a name, for --profile NAME, METAQ_PROFILE, or every command once chosen with use. save creates the profile or changes only what it is given: each --admin adds that broker (or updates it), with --token as its token. The file is $METAQ_CONFIG, else $XDG_CONFIG_HOME/metaq/profiles.json, else ~/.config/metaq/profiles.json, written with mode 0600; show and list print tokens as [REDACTED].',
      )
      .addArgument(new Argument('<action>', 'what to do').choices(['save', 'list', 'show', 'use', 'delete']))
      .addArgument(new Argument('[name]', 'the profile (all but list)').argParser(profileName))
      .addOption(new Option('--server <ADDR>', 'save: the broker as meta://host:port or host:port').argParser(serverAddress))
      .addOption(new Option('--zk <HOST:PORT[/chroot]>', 'save: the ZooKeeper connect string'))
      .addOption(repeatable('--admin <URL>', "save: a broker's admin API to add; repeat it, or separate URLs with commas"))
      .addOption(new Option('--token <T>', "save: the token of the --admin brokers given (the broker's [http] token, or the one it printed at start)"))
      .addOption(repeatable('--remove-admin <URL>', 'save: a broker to take out of the profile')),
  ).action(async (action: string, name: string | undefined, options: ProfileOptions) => {
    checkJsonAction(options, 'profile', action, action === 'show' ? 'show' : 'list');
    const { profileCommand } = await import('../profile/profile-commands.js');
    await profileCommand(
      {
        action,
        name,
        json: options.json,
        server: options.server,
        zk: options.zk,
        admins: listValues(options.admin ?? []),
        token: options.token,
        removeAdmins: listValues(options.removeAdmin ?? []),
      },
      process.stdout,
    );
  });
}
