import type { Command, Option } from 'commander';
import { serverAddress } from '../program/server-address.js';
import { adminKey, findProfile, profilePath, readProfiles } from './profile-store.js';

// Before a command runs: the profile named by --profile or METAQ_PROFILE (else the one `metaq
// profile use` chose) fills in each connection option that neither the command line nor the
// environment gave. So the order is: option > environment variable > profile > built-in default.

/** The option was given by the caller: on the command line or in its environment variable. */
function given(command: Command, key: string): boolean {
  const source = command.getOptionValueSource(key);
  if (source === 'cli' || source === 'env') return true;
  // METAQ_ADMIN_TOKEN, the token's earlier variable, arrives as the option's default (shared-options.ts).
  return key === 'token' && source === 'default' && command.getOptionValue(key) !== undefined;
}

/** The profile stands in for the environment, so it fills exactly the options that read one of these. */
function optionReading(command: Command, variable: string): Option | undefined {
  return command.options.find((option) => option.envVar === variable);
}

export async function applyProfile(command: Command): Promise<void> {
  if (!command.options.some((option) => option.long === '--profile')) return;
  const path = profilePath();
  const file = await readProfiles(path);
  const name = (command.getOptionValue('profile') as string | undefined) ?? file.current;
  if (name === undefined) return;
  const profile = findProfile(file, name, path);
  const fill = (variable: string, value: unknown): void => {
    const option = optionReading(command, variable);
    if (option === undefined || value === undefined || given(command, option.attributeName())) return;
    command.setOptionValueWithSource(option.attributeName(), value, 'config');
  };
  fill('METAQ_SERVER', profile.server === undefined ? undefined : serverAddress(profile.server));
  fill('METAQ_ZK', profile.zk);
  const admins = profile.brokers.map((broker) => broker.admin);
  // lag, monitor and trace take every broker; the one-broker commands take the profile's first.
  if (admins.length > 0) fill('METAQ_ADMIN', Array.isArray(optionReading(command, 'METAQ_ADMIN')?.defaultValue) ? admins : admins[0]);
  // lag, monitor, trace and topic find the brokers in ZooKeeper (--zk, read from no variable) when the profile lists none of its own.
  const discovery = command.options.some((option) => option.long === '--zk') && Array.isArray(optionReading(command, 'METAQ_ADMIN')?.defaultValue);
  if (discovery && profile.zk !== undefined && admins.length === 0 && !given(command, 'zk')) command.setOptionValueWithSource('zk', profile.zk, 'config');
  if (optionReading(command, 'METAQ_TOKEN') !== undefined && !given(command, 'token')) {
    const tokens = new Map(profile.brokers.flatMap((broker) => (broker.token === undefined ? [] : [[adminKey(broker.admin), broker.token] as const])));
    command.setOptionValueWithSource('profileTokens', tokens, 'config');
  }
}
