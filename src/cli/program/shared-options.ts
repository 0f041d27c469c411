import { Option } from 'commander';
import type { Command } from 'commander';
import { AdminClient } from '../../admin/admin-client.js';
import { MetaqError } from '../../common/errors.js';
import type { BrokerToken } from '../broker-token.js';
import { adminKey } from '../profile/profile-store.js';
import { port, profileName, repeatable } from './option-values.js';
import { applyServerAddress, serverOption } from './server-address.js';

// Options several commands share, declared once so their names, defaults and help agree.

/** `--host` and `--port` (or `--server`, METAQ_SERVER): the broker a command talks to over the wire. */
export interface BrokerOptionValues {
  host: string;
  port: number;
}

/**
 * `--profile` (METAQ_PROFILE): a saved profile fills in what neither an option nor the environment
 * gave (src/cli/profile/apply-profile.ts). Added once, whichever helpers a command uses.
 */
export function withProfileOption(command: Command): Command {
  if (command.options.some((option) => option.long === '--profile')) return command;
  return command.addOption(
    new Option('--profile <NAME>', "a saved profile's server, zk, admin URLs and tokens (metaq profile list; default: the one metaq profile use chose)")
      .argParser(profileName)
      .env('METAQ_PROFILE'),
  );
}

export function withBrokerOptions(command: Command): Command {
  return withProfileOption(command)
    .addOption(new Option('--host <ADDR>', 'broker host name or address').default('127.0.0.1'))
    .addOption(new Option('--port <N>', 'broker port').default(8123).argParser(port))
    .addOption(serverOption())
    .hook('preAction', (self) => applyServerAddress(self));
}

/** `--zk` and `--root`: the ZooKeeper ensemble and the chroot metaq's znodes live under. */
export interface ZkOptionValues {
  zk: string;
  root: string;
}

export function zkOption(description = 'ZooKeeper connect string'): Option {
  return new Option('--zk <HOST:PORT[/chroot]>', description);
}

export function rootOption(): Option {
  return new Option('--root <PATH>', "root znode of metaq's data in ZooKeeper").default('/meta');
}

/** For commands that only work against ZooKeeper; where --zk switches a command to cluster mode, the environment must not. */
export function withZkOptions(command: Command): Command {
  return withProfileOption(command).addOption(zkOption().default('127.0.0.1:2181').env('METAQ_ZK')).addOption(rootOption());
}

/** The default admin API: the broker's HTTP side on this machine. */
const LOCAL_ADMIN = 'http://127.0.0.1:8120';

/** `--token`, from METAQ_TOKEN unless given, then from METAQ_ADMIN_TOKEN (its earlier name, still read). */
export function tokenOption(): Option {
  const option = new Option(
    '--token <T>',
    "the admin API's token (the broker's [http] token, or the one it printed at start; METAQ_ADMIN_TOKEN is read too)",
  ).env('METAQ_TOKEN');
  const legacy = process.env.METAQ_ADMIN_TOKEN;
  return legacy === undefined || legacy === '' ? option : option.default(legacy, 'METAQ_ADMIN_TOKEN');
}

/** `--admin` and `--token`: one broker's admin API. */
export interface AdminOptionValues {
  admin: string;
  token?: string;
  /** Each broker's token from the profile, by admin URL; set only when neither --token nor the environment gave one. */
  profileTokens?: ReadonlyMap<string, string>;
}

export function withAdminOptions(command: Command): Command {
  return withProfileOption(command)
    .addOption(new Option('--admin <URL>', "the broker's admin API").default(LOCAL_ADMIN).env('METAQ_ADMIN'))
    .addOption(tokenOption());
}

/** `--admin` given once per broker (or as a comma-separated list), or `--zk` to find them all; and `--token`. */
export interface AdminListOptionValues {
  admin: string[];
  token?: string;
  profileTokens?: ReadonlyMap<string, string>;
  /** Discover every broker's admin API and the cluster's token in this ZooKeeper (admin-list.ts). */
  zk?: string;
  root: string;
  /** Set before the action: whether --admin came from the command line or METAQ_ADMIN rather than its default or a profile. */
  adminGiven?: boolean;
}

export function withAdminListOptions(command: Command): Command {
  return (
    withProfileOption(command)
      .addOption(
        repeatable('--admin <URL>', 'a broker admin API; repeat it, or separate URLs with commas, for several brokers', [LOCAL_ADMIN]).env('METAQ_ADMIN'),
      )
      .addOption(tokenOption())
      // No METAQ_ZK here: that variable is set for the cluster commands, and must not turn these away from --admin.
      .addOption(zkOption("every broker's admin API and the cluster's token, from this ZooKeeper, instead of --admin and --token"))
      .addOption(rootOption())
      .hook('preAction', (self) => {
        const source = self.getOptionValueSource('admin');
        self.setOptionValueWithSource('adminGiven', source === 'cli' || source === 'env', 'default');
      })
  );
}

export function requireToken(token: string | undefined): string {
  if (token === undefined || token === '')
    throw new MetaqError(
      'USAGE',
      "the admin API needs a token: --token T or METAQ_TOKEN (the broker's [http] token, or the one it printed at start), or a profile holding it (metaq profile save NAME --admin URL --token T)",
    );
  return token;
}

/** The token for one admin URL: --token or the environment's, else the profile's for that broker. */
function tokenFor(values: { token?: string; profileTokens?: ReadonlyMap<string, string> }, url: string): string {
  const token = values.token ?? values.profileTokens?.get(adminKey(url));
  if (token === undefined && values.profileTokens !== undefined)
    throw new MetaqError('USAGE', `the profile holds no token for ${url}: metaq profile save NAME --admin ${url} --token T, or give --token T`);
  return requireToken(token);
}

export function adminClient(values: AdminOptionValues): AdminClient {
  return new AdminClient(values.admin, tokenFor(values, values.admin));
}

/** Every broker's token, checked before the command starts, so a missing one is a usage error and not a failure half way. */
export function brokerTokens(values: AdminListOptionValues, urls: readonly string[]): BrokerToken {
  const tokens = new Map(urls.map((url) => [url, tokenFor(values, url)]));
  return (url) => tokens.get(url) ?? tokenFor(values, url);
}

/** Aborts on the first SIGINT or SIGTERM, so a long-running command stops cleanly. */
export function stopSignal(): AbortSignal {
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort());
  return controller.signal;
}
