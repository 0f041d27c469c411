import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { LagRow } from '../../src/cli/lag-command.js';
import { CLI, tempDir } from '../support/broker-process.js';
import { adminIni, startAdminFixture } from '../support/admin-fixture.js';
import type { AdminFixture } from '../support/admin-fixture.js';

const run = promisify(execFile);

/** Variables that would fill what the profile should: unset unless a case sets them. */
const VARIABLES = ['METAQ_SERVER', 'METAQ_ZK', 'METAQ_ADMIN', 'METAQ_TOKEN', 'METAQ_ADMIN_TOKEN', 'METAQ_PROFILE', 'METAQ_CONFIG', 'XDG_CONFIG_HOME'];

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('metaq profile: saved connections, so lag and monitor over several brokers need no token copied', { timeout: 120_000 }, () => {
  let a: AdminFixture;
  let b: AdminFixture;
  let config: string;

  function metaq(env: Record<string, string>, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
    const merged: NodeJS.ProcessEnv = { ...process.env };
    for (const name of VARIABLES) delete merged[name];
    return run(process.execPath, [CLI, ...args], { env: { ...merged, METAQ_CONFIG: config, ...env }, timeout: 30_000 });
  }

  async function failure(env: Record<string, string>, ...args: string[]): Promise<{ code: number | null; stderr: string }> {
    try {
      await metaq(env, ...args);
    } catch (error) {
      return error as { code: number | null; stderr: string };
    }
    throw new Error(`metaq ${args.join(' ')} succeeded`);
  }

  before(async () => {
    // Two brokers, each with its own [http] token, as two separately started brokers have.
    a = await startAdminFixture(adminIni(), { token: 'token-of-a' });
    b = await startAdminFixture(adminIni().replace('brokerId=3', 'brokerId=4'), { token: 'token-of-b' });
    config = join(tempDir('cli-profile'), 'metaq', 'profiles.json');
  });
  after(async () => {
    await a.stop();
    await b.stop();
  });

  it('save, list, show (tokens masked), use and delete; the file is 0600', async () => {
    assert.match(
      (await metaq({}, 'profile', 'save', 'both', '--admin', a.admin.url, '--token', 'token-of-a')).stdout,
      /saved profile both \(1 broker\), now the default/,
    );
    // Adding a broker is a save with its URL and token: the rest of the profile stays.
    assert.match(
      (await metaq({}, 'profile', 'save', 'both', '--admin', `${b.admin.url}/`, '--token', 'token-of-b')).stdout,
      /updated profile both \(2 brokers\)/,
    );
    await metaq({}, 'profile', 'save', 'only-a', '--server', 'meta://127.0.0.1:9', '--zk', '127.0.0.1:2181/x', '--admin', a.admin.url, '--token', 'token-of-a');
    assert.equal(statSync(config).mode & 0o777, 0o600);

    const list = (await metaq({}, 'profile', 'list')).stdout;
    assert.match(list, /^CURRENT\s+NAME\s+SERVER\s+ZK\s+ADMIN\n\*\s+both\s+-\s+-\s+http:/);
    assert.match(list, /\n\s+only-a\s+meta:\/\/127\.0\.0\.1:9\s+127\.0\.0\.1:2181\/x\s+http:/);
    const shown = await metaq({}, 'profile', 'show', 'both', '--json');
    assert.deepEqual(JSON.parse(shown.stdout), {
      name: 'both',
      current: true,
      brokers: [
        { admin: a.admin.url, token: '[REDACTED]' },
        { admin: b.admin.url, token: '[REDACTED]' },
      ],
    });
    for (const printed of [list, shown.stdout, (await metaq({}, 'profile', 'show', 'both')).stdout, (await metaq({}, 'profile', 'list', '--json')).stdout])
      assert.doesNotMatch(printed, /token-of/);

    assert.equal((await metaq({}, 'profile', 'use', 'only-a')).stdout, 'default profile: only-a\n');
    assert.equal((JSON.parse(readFileSync(config, 'utf8')) as { current: string }).current, 'only-a');
    await metaq({}, 'profile', 'save', 'gone', '--admin', a.admin.url);
    assert.match((await metaq({}, 'profile', 'delete', 'gone')).stdout, /deleted profile gone/);
    const missing = await failure({}, 'profile', 'show', 'gone');
    assert.equal(missing.code, 66);
    assert.match(missing.stderr, /no profile gone in .*; saved: both, only-a/);
  });

  it('refuses junk names with exit 64, on the command line and in METAQ_PROFILE', async () => {
    for (const [env, args] of [
      [{}, ['profile', 'save', '../etc', '--admin', a.admin.url]],
      [{}, ['lag', '--profile', 'a b']],
      [{ METAQ_PROFILE: '-x' }, ['lag']],
    ] as Array<[Record<string, string>, string[]]>) {
      const refused = await failure(env, ...args);
      assert.equal(refused.code, 64, args.join(' '));
      assert.match(refused.stderr, /invalid profile name .*: a profile name is 1 to 64 characters/);
    }
  });

  it('lag across two brokers with different tokens, from the profile alone', async () => {
    const rows = JSON.parse((await metaq({}, 'lag', '--json', '--profile', 'both')).stdout) as LagRow[];
    assert.deepEqual(rows, []);
    // Named on the command line, the brokers still get their own tokens from the profile.
    await metaq({}, 'lag', '--json', '--profile', 'both', '--admin', b.admin.url, '--admin', a.admin.url);
    // Without profiles (an empty file) one token cannot serve both: the second broker refuses it.
    const noProfiles = { METAQ_CONFIG: join(tempDir('cli-profile-none'), 'profiles.json') };
    const one = await failure(noProfiles, 'lag', '--json', '--admin', a.admin.url, '--admin', b.admin.url, '--token', 'token-of-a');
    assert.equal(one.code, 1);
    assert.match(one.stderr, /answered 401/);
    const none = await failure(noProfiles, 'lag', '--json', '--admin', a.admin.url, '--admin', b.admin.url);
    assert.equal(none.code, 64);
    assert.match(none.stderr, /needs a token/);
  });

  it('precedence: option > environment variable > profile > built-in default', async () => {
    // METAQ_PROFILE beats the default profile (only-a), and --profile beats METAQ_PROFILE.
    const viaEnv = JSON.parse((await metaq({ METAQ_PROFILE: 'both' }, 'lag', '--json')).stdout) as LagRow[];
    assert.deepEqual(viaEnv, []);
    const dead = `http://127.0.0.1:${await closedPort()}`;
    // dead's first broker is down; its second is a, with a's token.
    await metaq({}, 'profile', 'save', 'dead', '--admin', `${dead},${a.admin.url}`, '--token', 'token-of-a');
    assert.match((await failure({ METAQ_PROFILE: 'both' }, 'lag', '--profile', 'dead')).stderr, new RegExp(`could not reach the admin API at ${dead}`));
    // The environment beats the profile: METAQ_ADMIN (whose token the profile still gives), then METAQ_TOKEN.
    await metaq({ METAQ_ADMIN: a.admin.url }, 'lag', '--json', '--profile', 'dead');
    assert.match((await failure({ METAQ_TOKEN: 'wrong' }, 'lag', '--profile', 'only-a')).stderr, /answered 401/);
    // The option beats both.
    await metaq({ METAQ_ADMIN: dead }, 'lag', '--json', '--profile', 'dead', '--admin', a.admin.url);
    await metaq({ METAQ_TOKEN: 'wrong' }, 'lag', '--json', '--profile', 'only-a', '--token', 'token-of-a');
    // The profile beats the built-in default (http://127.0.0.1:8120): the default profile is used.
    await metaq({}, 'lag', '--json');
  });

  it('refuses, as ssh does a private key, a file of tokens that others may read', async () => {
    chmodSync(config, 0o640);
    try {
      const refused = await failure({}, 'lag', '--json');
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /holds admin tokens and is readable by others \(mode 0640\); run: chmod 600 /);
    } finally {
      chmodSync(config, 0o600);
    }
    await metaq({}, 'lag', '--json');
  });
});
