import { createInterface } from 'node:readline';
import { NodeFileIO } from '../broker/index.js';
import { UserBook } from '../broker/auth/user-book.js';
import type { UserRights } from '../broker/auth/user-book.js';
import type { AdminClient } from '../admin/admin-client.js';
import { MetaqError } from '../common/errors.js';
import { writeJson } from './json-output.js';

/** Where `metaq user` makes its change: the users file of a stopped broker, or a running one's admin API. */
export type UserStore = { file: string } | { admin: AdminClient };

export interface UserCommand {
  action: string;
  name: string | undefined;
  rights: UserRights;
  store: UserStore;
  /** list: one JSON array of `{name, publish, subscribe, admin}` instead of lines. */
  json?: boolean;
}

/** The password: METAQ_PASSWORD, else the first line of standard input (so it is not in the shell history or `ps`). */
async function readPassword(): Promise<string> {
  const fromEnv = process.env.METAQ_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  throw new MetaqError('USAGE', 'user add needs a password: set METAQ_PASSWORD or give it on the first line of standard input');
}

/**
 * `metaq user add|remove|list`: manage the users of a broker with `[auth] enabled=true`. With
 * `--users FILE` the file is changed directly (to create the first admin before the broker
 * starts; a running broker would not see it); otherwise through the admin API.
 */
export async function userCommand(command: UserCommand, out: NodeJS.WritableStream): Promise<void> {
  const { action, name, rights, store } = command;
  if (action === 'list') {
    const users =
      'file' in store
        ? (await UserBook.open(new NodeFileIO(), store.file)).list()
        : (await store.admin.call<{ users: Array<{ name: string } & UserRights> }>('GET', '/users')).users;
    if (command.json === true) {
      writeJson(
        out,
        users.map((user) => ({ name: user.name, publish: user.publish, subscribe: user.subscribe, admin: user.admin })),
      );
      return;
    }
    for (const user of users)
      out.write(`${user.name}\tpublish=${user.publish.join(',') || '-'}\tsubscribe=${user.subscribe.join(',') || '-'}\tadmin=${user.admin}\n`);
    return;
  }
  if (name === undefined) throw new MetaqError('USAGE', `user ${action} needs a user NAME`);
  if (action === 'add') {
    const password = await readPassword();
    if ('file' in store) await (await UserBook.open(new NodeFileIO(), store.file)).put(name, password, rights);
    else await store.admin.call('PUT', `/users/${encodeURIComponent(name)}`, { password, ...rights });
    out.write(`${name} saved\n`);
    return;
  }
  if (action === 'remove') {
    if ('file' in store) {
      if (!(await (await UserBook.open(new NodeFileIO(), store.file)).remove(name))) throw new MetaqError('NOT_FOUND', `no user ${name} in ${store.file}`);
    } else await store.admin.call('DELETE', `/users/${encodeURIComponent(name)}`);
    out.write(`${name} removed\n`);
    return;
  }
  throw new MetaqError('USAGE', `user needs add, remove or list, got ${JSON.stringify(action)}`);
}
