import { createHmac, randomBytes } from 'node:crypto';
import { ConfigError } from '../../common/errors.js';
import { SCRAM_DEFAULT_ITERATIONS, SCRAM_MECHANISM, scramCredentials } from '../../protocol/scram.js';
import type { ScramCredentials } from '../../protocol/scram.js';
import { writeFileAtomically } from '../../storage/atomic-file.js';
import type { FileIO } from '../../storage/io/file-io.js';

/** What a user may do: topic patterns (`*` matches any run of characters) and operator rights. */
export interface UserRights {
  publish: string[];
  subscribe: string[];
  /** Replication (`sync`), operator commands (`admin`, heuristic transaction outcomes), `stats reset`; every topic. */
  admin: boolean;
}

export interface User extends UserRights {
  name: string;
  credentials: ScramCredentials;
}

/** A user as the users file and the admin API show it: keys in base64, never a password. */
interface StoredUser extends UserRights {
  mechanism: string;
  salt: string;
  iterations: number;
  storedKey: string;
  serverKey: string;
}

/** The users file holds SCRAM keys, from which passwords can be guessed offline: owner only. */
const USERS_FILE_MODE = 0o600;
const USER_NAME = /^[A-Za-z0-9._@-]{1,64}$/;
const PATTERN = /^[A-Za-z0-9._*-]{1,255}$/;

/**
 * The users a broker with `[auth] enabled=true` knows, kept in `[auth] usersFile` (JSON) with
 * their SCRAM keys and rights; no password is stored. Changes through the admin API or
 * `metaq user` rewrite the file atomically, and take effect on the next command of every
 * connection (rights are looked up by name each time).
 */
export class UserBook {
  private readonly users = new Map<string, User>();
  /** Makes the stable made-up salt an unknown user is shown, so probing names teaches nothing. */
  private readonly decoySecret = randomBytes(32);

  private constructor(
    private readonly io: FileIO,
    readonly path: string,
  ) {}

  /** Read the users file; a missing file is an empty book (users are added through the admin API or `metaq user add`). */
  static async open(io: FileIO, path: string): Promise<UserBook> {
    const book = new UserBook(io, path);
    const raw = await io.readFile(path);
    if (raw === undefined) return book;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch (error) {
      throw new ConfigError(`[auth] usersFile ${path} is not valid JSON (${(error as Error).message}); fix it or recreate it with metaq user add`, {
        cause: error,
      });
    }
    const users = (parsed as { users?: unknown }).users;
    if (typeof users !== 'object' || users === null) throw new ConfigError(`[auth] usersFile ${path} must hold {"users": {"<name>": {...}}}`);
    for (const [name, entry] of Object.entries(users)) book.users.set(name, parseStoredUser(name, entry, path));
    return book;
  }

  get(name: string): User | undefined {
    return this.users.get(name);
  }

  credentials(name: string): ScramCredentials | undefined {
    return this.users.get(name)?.credentials;
  }

  /** Stable made-up credentials for a name that is not a user. */
  decoy(name: string): ScramCredentials {
    const digest = createHmac('sha256', this.decoySecret).update(name).digest();
    return { salt: digest.subarray(0, 16), iterations: SCRAM_DEFAULT_ITERATIONS, storedKey: randomBytes(32), serverKey: randomBytes(32) };
  }

  list(): Array<{ name: string } & UserRights> {
    return [...this.users.values()]
      .map(({ name, publish, subscribe, admin }) => ({ name, publish, subscribe, admin }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Add a user or change one's password and rights, then rewrite the file. */
  async put(name: string, password: string, rights: UserRights): Promise<void> {
    checkUser(name, rights, 'the user');
    if (password.length < 8) throw new ConfigError(`the password of ${name} must have at least 8 characters`);
    this.users.set(name, { name, ...rights, credentials: await scramCredentials(password) });
    await this.save();
  }

  /** Remove a user; its open connections are refused from their next command. */
  async remove(name: string): Promise<boolean> {
    if (!this.users.delete(name)) return false;
    await this.save();
    return true;
  }

  /** Saves one after another: two changes at once must not share the temporary file. */
  private saving: Promise<void> = Promise.resolve();

  private save(): Promise<void> {
    const next = this.saving.then(() => this.write());
    this.saving = next.catch(() => undefined);
    return next;
  }

  private async write(): Promise<void> {
    const users: Record<string, StoredUser> = {};
    for (const user of this.list()) {
      const { credentials } = this.users.get(user.name)!;
      users[user.name] = {
        mechanism: SCRAM_MECHANISM,
        salt: credentials.salt.toString('base64'),
        iterations: credentials.iterations,
        storedKey: credentials.storedKey.toString('base64'),
        serverKey: credentials.serverKey.toString('base64'),
        publish: user.publish,
        subscribe: user.subscribe,
        admin: user.admin,
      };
    }
    await writeFileAtomically(this.io, this.path, Buffer.from(`${JSON.stringify({ users }, null, 2)}\n`), USERS_FILE_MODE);
  }
}

function checkUser(name: string, rights: UserRights, where: string): void {
  if (!USER_NAME.test(name)) throw new ConfigError(`${where}: user name ${JSON.stringify(name)} must be 1 to 64 of A-Z a-z 0-9 . _ @ -`);
  for (const key of ['publish', 'subscribe'] as const) {
    const patterns: unknown = rights[key];
    if (!Array.isArray(patterns) || patterns.some((p) => typeof p !== 'string' || !PATTERN.test(p))) {
      throw new ConfigError(`${where}: ${key} of ${name} must be a list of topic names or patterns with * (like "orders" or "logs.*")`);
    }
  }
  if (typeof rights.admin !== 'boolean') throw new ConfigError(`${where}: admin of ${name} must be true or false`);
}

function parseStoredUser(name: string, entry: unknown, path: string): User {
  const where = `[auth] usersFile ${path}`;
  const stored = entry as Partial<StoredUser>;
  if (typeof entry !== 'object' || entry === null) throw new ConfigError(`${where}: user ${name} must be an object`);
  if (stored.mechanism !== SCRAM_MECHANISM)
    throw new ConfigError(`${where}: user ${name} has mechanism ${JSON.stringify(stored.mechanism)}; only ${SCRAM_MECHANISM} is supported`);
  const key = (field: 'salt' | 'storedKey' | 'serverKey', length?: number): Buffer => {
    const value = stored[field];
    const bytes = typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.alloc(0);
    if (bytes.length === 0 || (length !== undefined && bytes.length !== length))
      throw new ConfigError(`${where}: user ${name} has no valid ${field} (base64${length === undefined ? '' : ` of ${length} bytes`})`);
    return bytes;
  };
  const iterations = stored.iterations;
  if (typeof iterations !== 'number' || !Number.isInteger(iterations) || iterations < SCRAM_DEFAULT_ITERATIONS)
    throw new ConfigError(`${where}: user ${name} needs iterations of at least ${SCRAM_DEFAULT_ITERATIONS}`);
  const rights = { publish: stored.publish ?? [], subscribe: stored.subscribe ?? [], admin: stored.admin ?? false };
  checkUser(name, rights, where);
  return { name, ...rights, credentials: { salt: key('salt'), iterations, storedKey: key('storedKey', 32), serverKey: key('serverKey', 32) } };
}
