import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { AdminServer } from '../../src/admin/admin-server.js';
import { UserBook } from '../../src/broker/auth/user-book.js';
import type { Broker } from '../../src/broker/broker.js';
import { BrokerError, ConnectionError, MetaqClient } from '../../src/client/index.js';
import type { Credentials } from '../../src/client/index.js';
import { NodeFileIO } from '../../src/storage/io/node-file-io.js';
import { CLI, tempDir } from '../support/broker-process.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { brokerFleet, brokerIni, logBytes } from '../support/replica-pair.js';

const run = promisify(execFile);
const PASSWORD = 'correct horse battery';

/** A users file with these users, all with PASSWORD, written as `metaq user add --users` would. */
async function usersFile(users: Record<string, { publish?: string[]; subscribe?: string[]; admin?: boolean }>): Promise<string> {
  const path = join(tempDir('users'), 'users.json');
  const book = await UserBook.open(new NodeFileIO(), path);
  for (const [name, rights] of Object.entries(users))
    await book.put(name, PASSWORD, { publish: rights.publish ?? [], subscribe: rights.subscribe ?? [], admin: rights.admin ?? false });
  return path;
}

const authSection = (file: string, extra: Record<string, string | number> = {}): string =>
  `[auth]\n${Object.entries({ enabled: true, usersFile: file, ...extra })
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;

/** A raw connection: what the broker answers to bytes we choose. */
async function raw(port: number): Promise<Socket & { text: () => string }> {
  const socket = connect({ host: '127.0.0.1', port });
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  return Object.assign(socket, { text: () => received });
}

async function answer(socket: Socket & { text: () => string }, request: string, pattern: RegExp): Promise<string> {
  const before = socket.text().length;
  socket.write(request);
  while (!pattern.test(socket.text().slice(before))) await once(socket, 'data');
  return socket.text().slice(before);
}

describe('authentication (SCRAM-SHA-256) and per-topic ACLs', { timeout: 90_000 }, () => {
  const fleet = brokerFleet();
  let broker: Broker;
  let file: string;
  const start = (text: string): Promise<Broker> => fleet.start(text);
  const clientAs = (auth: Credentials | undefined, port = broker.port): MetaqClient => fleet.client(port, auth === undefined ? {} : { auth });
  const as = (username: string, password = PASSWORD): Credentials => ({ username, password });

  before(async () => {
    file = await usersFile({
      alice: { publish: ['orders', 'logs.*'], subscribe: ['orders'] },
      bob: { subscribe: ['*'] },
      root: { admin: true },
      legacy: { publish: ['old', 'logs.*'], subscribe: ['old'] },
    });
    broker = await start(brokerIni({}, {}, authSection(file, { legacyPort: await freePort(), legacyUser: 'legacy' })));
  });
  after(() => fleet.closeAll());

  it('keeps no password in the users file, only SCRAM keys', () => {
    const text = readFileSync(file, 'utf8');
    assert.ok(!text.includes(PASSWORD));
    assert.match(text, /"mechanism": "SCRAM-SHA-256"/);
    assert.match(text, /"storedKey": "[A-Za-z0-9+/=]{44}"/);
  });

  it('lets each user do what its rights name, and refuses the rest with 401 saying which right is missing', async () => {
    const alice = clientAs(as('alice')).producer();
    const sent = await alice.send({ topic: 'orders', data: 'order 1' });
    await alice.send({ topic: 'logs.web', data: 'a log line' });
    await assert.rejects(
      alice.send({ topic: 'payments', data: 'x' }),
      (error: unknown) =>
        error instanceof BrokerError && error.status === 401 && /access denied: user alice may not publish to topic payments/.test(error.message),
    );
    const bob = clientAs(as('bob'));
    assert.equal((await bob.get('orders', 0, sent.offset)).messages[0]!.data.toString(), 'order 1');
    await assert.rejects(bob.producer().send({ topic: 'orders', data: 'x' }), /may not publish to topic orders/);
    await assert.rejects(clientAs(as('alice')).get('logs.web', 0, 0), /may not subscribe to topic logs.web/);
    const root = clientAs(as('root'));
    await root.producer().send({ topic: 'anything', data: 'admins may' });
    assert.deepEqual(broker.counters.accessDenials, { publish: 2, subscribe: 1, admin: 0 });
  });

  it('refuses a wrong password and an unknown user alike, and a client that does not log in', async () => {
    const failuresBefore = broker.counters.loginFailures;
    // The client retries its login, so these pairs end up blocked for a while (the login back-off): users the later tests do not log in as.
    for (const credentials of [as('legacy', 'wrong password'), as('nobody')]) {
      await assert.rejects(
        clientAs(credentials).producer().send({ topic: 'orders', data: 'x' }, { timeoutMs: 1_500 }),
        (error: unknown) =>
          error instanceof ConnectionError && /authentication failed: wrong user name or password|too many failed logins as this user/.test(error.message),
      );
    }
    assert.ok(broker.counters.loginFailures >= failuresBefore + 2);
    await assert.rejects(
      clientAs(undefined).producer().send({ topic: 'orders', data: 'x' }),
      (error: unknown) => error instanceof BrokerError && error.status === 401 && /authentication required/.test(error.message),
    );
  });

  it('before a login: answers version (offering +auth), refuses commands, and closes a connection sending a large body', async () => {
    const socket = await raw(broker.port);
    try {
      assert.match(await answer(socket, 'version 5\r\n', /result 200 \d+ 5\r\n.*\+auth/), /\+auth/);
      assert.match(await answer(socket, 'offset orders g 0 0 6\r\n', /result 401 \d+ 6\r\n/), /authentication required/);
      socket.write(`put orders 0 100000 0 7\r\n${'x'.repeat(100_000)}`);
      await once(socket, 'close');
    } finally {
      socket.destroy();
    }
    const other = await raw(broker.port);
    assert.match(await answer(other, 'version 8\r\n', /result 200 \d+ 8\r\n/), /\+auth/, 'the others are served');
    other.destroy();
  });

  it("serves old clients without a login only on legacyPort, with legacyUser's rights", async () => {
    const old = clientAs(undefined, broker.legacyPort);
    const sent = await old.producer().send({ topic: 'old', data: 'from MetaQ 1.4' });
    assert.equal((await old.get('old', 0, sent.offset)).messages[0]!.data.toString(), 'from MetaQ 1.4');
    await assert.rejects(old.producer().send({ topic: 'orders', data: 'x' }), /access denied: user legacy may not publish to topic orders/);
  });

  it('matches rights on a valid name only: a path through an allowed pattern is refused, nothing reaches the other topic', async () => {
    const ordersEnd = () => broker.stores.find('orders', 0)?.writtenEnd ?? 0;
    const before = ordersEnd();
    const old = await raw(broker.legacyPort!);
    try {
      // logs.* allows `logs./../orders` as a string; as a path it is orders-0.
      assert.match(
        await answer(old, 'put logs./../orders 0 1 0 31\r\nx', /result \d+ \d+ 31\r\n/),
        /result 400 \d+ 31\r\ninvalid topic name "logs\.\/\.\.\/orders"/,
      );
      assert.match(await answer(old, 'get logs./../orders g 0 0 1024 32\r\n', /result \d+ \d+ 32\r\n/), /result 400 /);
      assert.match(await answer(old, 'put logs.a 0 1 0 33\r\nx', /result \d+ \d+ 33\r\n/), /result 200 /);
    } finally {
      old.destroy();
    }
    assert.equal(ordersEnd(), before);
  });

  it('adds, changes and removes users through the admin API, effective on open connections at once', async () => {
    const admin = await AdminServer.start(broker, { port: 0, host: '127.0.0.1', token: 'admin-token' });
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${admin.url}/api${path}`, {
        method,
        headers: { authorization: 'Bearer admin-token', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    try {
      assert.equal((await call('PUT', '/users/carol', { password: 'carol password', publish: ['orders'] })).status, 200);
      await clientAs(as('carol', 'carol password')).producer().send({ topic: 'orders', data: 'from carol' });
      const listed = (await (await call('GET', '/users')).json()) as { users: Array<{ name: string }> };
      assert.deepEqual(
        listed.users.map((u) => u.name),
        ['alice', 'bob', 'carol', 'legacy', 'root'],
      );
      assert.ok(!JSON.stringify(listed).includes('carol password'));
      assert.equal((await call('PUT', '/users/dave', { password: 'short' })).status, 400);

      const bob = clientAs(as('bob'));
      await bob.get('orders', 0, 0);
      assert.equal((await call('DELETE', '/users/bob')).status, 200);
      await assert.rejects(bob.get('orders', 0, 0), /user bob no longer exists/);
      assert.equal((await call('DELETE', '/users/bob')).status, 404);
      assert.ok(!readFileSync(file, 'utf8').includes('"bob"'), 'the users file was rewritten');

      // The HTTP front end asks for the same users, with HTTP Basic.
      const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
      const put = (headers: Record<string, string>) =>
        fetch(`${admin.url}/put?topic=orders&partition=0`, {
          method: 'POST',
          headers: { 'content-type': 'application/octet-stream', ...headers },
          body: 'via http',
        });
      assert.equal((await put(basic('alice', PASSWORD))).status, 200);
      assert.equal((await put({})).status, 401);
      assert.equal((await put(basic('alice', 'nope'))).status, 401);
      assert.equal((await put(basic('carol', 'carol password'))).status, 200);
      assert.equal(
        (await fetch(`${admin.url}/get?topic=orders&partition=0&offset=0`, { headers: basic('carol', 'carol password') })).status,
        401,
        'carol may not subscribe',
      );
    } finally {
      await admin.close();
    }
  });

  it('replicates to a sync slave that asks for a login, as [auth] brokerUser', async () => {
    const replicationUsers = await usersFile({ repl: { admin: true }, writer: { publish: ['*'] } });
    const slave = await start(brokerIni({}, { role: 'sync-slave' }, authSection(replicationUsers)));
    const master = await start(
      brokerIni({}, { slave: `127.0.0.1:${slave.port}` }, authSection(replicationUsers, { brokerUser: 'repl', brokerPassword: PASSWORD })),
    );
    await eventually(() => master.replication.syncMaster!.status().connected, 'the master logged in to its slave');
    const producer = clientAs(as('writer'), master.port).producer();
    for (let i = 0; i < 10; i += 1) await producer.send({ topic: 'mirrored', data: `m${i}` });
    assert.deepEqual(await logBytes(slave.stores.find('mirrored', 0)), await logBytes(master.stores.find('mirrored', 0)));
  });

  it('the command line creates users in a file and logs in from METAQ_USER and METAQ_PASSWORD', async () => {
    const cliUsers = join(tempDir('cli-users'), 'users.json');
    await run(process.execPath, [CLI, 'user', 'add', 'ops', '--users', cliUsers, '--publish', 'cli.*', '--subscribe', 'cli.*'], {
      env: { ...process.env, METAQ_PASSWORD: 'ops password' },
    });
    const listed = await run(process.execPath, [CLI, 'user', 'list', '--users', cliUsers]);
    assert.equal(listed.stdout, 'ops\tpublish=cli.*\tsubscribe=cli.*\tadmin=false\n');
    const cliBroker = await start(brokerIni({}, {}, authSection(cliUsers)));
    const env = { ...process.env, METAQ_USER: 'ops', METAQ_PASSWORD: 'ops password' };
    const produced = await run(process.execPath, [CLI, 'produce', 'cli.audit', '--message', 'hello', '--port', String(cliBroker.port)], { env });
    assert.match(produced.stdout, /^\d+ 0 0$/m);
    await assert.rejects(
      run(process.execPath, [CLI, 'produce', 'other', '--message', 'x', '--port', String(cliBroker.port)], { env }),
      (error: { stderr?: string }) => /access denied: user ops may not publish to topic other/.test(error.stderr ?? ''),
    );
  });
});
