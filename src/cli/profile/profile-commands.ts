import { MetaqError } from '../../common/errors.js';
import { writeJson } from '../json-output.js';
import type { ServerAddress } from '../program/server-address.js';
import type { Profile, ProfileFile } from './profile-store.js';
import { adminKey, findProfile, profilePath, readProfiles, writeProfiles } from './profile-store.js';

export interface ProfileCommand {
  action: string;
  name: string | undefined;
  json: boolean;
  server?: ServerAddress;
  zk?: string;
  admins: string[];
  token?: string;
  removeAdmins: string[];
}

/** Tokens never reach a terminal or a script's output, as kubectl and rpk print theirs. */
const MASK = '[REDACTED]';

function needName(command: ProfileCommand): string {
  if (command.name === undefined) throw new MetaqError('USAGE', `metaq profile ${command.action} needs the profile's name`);
  return command.name;
}

function meta(address: ServerAddress): string {
  return `meta://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
}

/** The profile as show and list print it: tokens masked. */
function shown(name: string, profile: Profile, file: ProfileFile): Record<string, unknown> {
  return {
    name,
    current: file.current === name,
    ...(profile.server === undefined ? {} : { server: profile.server }),
    ...(profile.zk === undefined ? {} : { zk: profile.zk }),
    brokers: profile.brokers.map((broker) => ({ admin: broker.admin, ...(broker.token === undefined ? {} : { token: MASK }) })),
  };
}

/** save: a new profile, or the named one with only what was given changed (kubectl config set-context merges the same way). */
function save(file: ProfileFile, name: string, command: ProfileCommand): string {
  if (command.token !== undefined && command.admins.length === 0)
    throw new MetaqError('USAGE', '--token is the token of the --admin brokers given with it: metaq profile save NAME --admin URL --token T');
  for (const url of command.admins) {
    if (!/^https?:\/\/[^\s/]+/.test(url)) throw new MetaqError('USAGE', `--admin ${url} is not an admin API address: http://host:port or https://host:port`);
  }
  const existing = Object.hasOwn(file.profiles, name) ? file.profiles[name] : undefined;
  const profile: Profile = existing ?? { brokers: [] };
  if (command.server !== undefined) profile.server = meta(command.server);
  if (command.zk !== undefined) profile.zk = command.zk;
  const removed = new Set(command.removeAdmins.map(adminKey));
  profile.brokers = profile.brokers.filter((broker) => !removed.has(adminKey(broker.admin)));
  for (const url of command.admins) {
    const broker = profile.brokers.find((b) => adminKey(b.admin) === adminKey(url));
    if (broker === undefined) profile.brokers.push({ admin: adminKey(url), ...(command.token === undefined ? {} : { token: command.token }) });
    else if (command.token !== undefined) broker.token = command.token;
  }
  file.profiles[name] = profile;
  // The first profile saved is the one used without --profile, as rpk does with its first.
  const first = file.current === undefined;
  if (first) file.current = name;
  return `${existing === undefined ? 'saved' : 'updated'} profile ${name} (${profile.brokers.length} broker${profile.brokers.length === 1 ? '' : 's'})${first ? ', now the default' : ''}\n`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return (
    rows
      .map((row) =>
        row
          .map((cell, column) => cell.padEnd(widths[column]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

export async function profileCommand(command: ProfileCommand, out: NodeJS.WritableStream): Promise<void> {
  const path = profilePath();
  const file = await readProfiles(path);
  if (
    command.action !== 'save' &&
    (command.server !== undefined || command.zk !== undefined || command.admins.length > 0 || command.token !== undefined || command.removeAdmins.length > 0)
  )
    throw new MetaqError('USAGE', `--server, --zk, --admin, --token and --remove-admin go with metaq profile save, not ${command.action}`);
  switch (command.action) {
    case 'save': {
      const message = save(file, needName(command), command);
      await writeProfiles(file, path);
      out.write(message);
      return;
    }
    case 'list': {
      const names = Object.keys(file.profiles).sort();
      if (command.json)
        return writeJson(
          out,
          names.map((name) => shown(name, file.profiles[name]!, file)),
        );
      if (names.length === 0) return void out.write(`no profiles in ${path}: metaq profile save NAME --admin URL --token T\n`);
      const rows = names.map((name) => {
        const p = file.profiles[name]!;
        return [file.current === name ? '*' : '', name, p.server ?? '-', p.zk ?? '-', p.brokers.map((b) => b.admin).join(',') || '-'];
      });
      return void out.write(table([['CURRENT', 'NAME', 'SERVER', 'ZK', 'ADMIN'], ...rows]));
    }
    case 'show': {
      const name = needName(command);
      const view = shown(name, findProfile(file, name, path), file);
      if (command.json) return writeJson(out, view);
      const profile = file.profiles[name]!;
      const lines = [
        `profile ${name}${view.current === true ? ' (the default)' : ''}, in ${path}`,
        `server  ${profile.server ?? '-'}`,
        `zk      ${profile.zk ?? '-'}`,
        ...profile.brokers.map((b) => `admin   ${b.admin}  token ${b.token === undefined ? '-' : MASK}`),
      ];
      return void out.write(`${lines.join('\n')}\n`);
    }
    case 'use': {
      const name = needName(command);
      findProfile(file, name, path);
      file.current = name;
      await writeProfiles(file, path);
      return void out.write(`default profile: ${name}\n`);
    }
    case 'delete': {
      const name = needName(command);
      findProfile(file, name, path);
      delete file.profiles[name];
      if (file.current === name) delete file.current;
      await writeProfiles(file, path);
      return void out.write(`deleted profile ${name}${file.current === undefined ? '; no default profile now' : ''}\n`);
    }
  }
}
