import assert from 'node:assert/strict';
import { once } from 'node:events';
import { appendFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UserBook } from '../../src/broker/auth/user-book.js';
import { BrokerError } from '../../src/client/index.js';
import { SCRAM_MECHANISM, ScramClientExchange } from '../../src/protocol/scram.js';
import { NodeFileIO } from '../../src/storage/io/node-file-io.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { killAllBrokers, startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';
import { eventually } from '../support/eventually.js';
import { parseExposition, sampleValue } from '../support/prometheus-text.js';
import { brokerFleet, brokerIni } from '../support/replica-pair.js';

const PASSWORD = 'correct horse battery';
const TOKEN = 'attack-test-admin-token';

/** Send bytes on a fresh connection; resolve with what came back once `until` matches or the broker closed it. */
function exchange(port: number, bytes: string, until: RegExp): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(bytes));
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (until.test(text)) {
        socket.destroy();
        resolve({ text, closed: false });
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve({ text, closed: true }));
  });
}

/** Log in over a raw connection with SCRAM-SHA-256, as a client would: the broker's answer to the proof (or to the first step, if it refused that). */
async function scramLogin(host: string, port: number, user: string, password: string): Promise<{ code: number; text: string }> {
  const socket = connect({ host, port });
  await once(socket, 'connect');
  let buffered = '';
  socket.on('data', (chunk: Buffer) => (buffered += chunk.toString('utf8')));
  const result = async (): Promise<{ code: number; text: string }> => {
    for (;;) {
      const header = /^result (\d+) (\d+) \d+\r\n/.exec(buffered);
      if (header !== null && buffered.length >= header[0].length + Number(header[2])) {
        const text = buffered.slice(header[0].length, header[0].length + Number(header[2]));
        buffered = buffered.slice(header[0].length + text.length);
        return { code: Number(header[1]), text };
      }
      await Promise.race([once(socket, 'data'), once(socket, 'close').then(() => assert.fail(`closed with no reply; got ${JSON.stringify(buffered)}`))]);
    }
  };
  const send = (message: string, opaque: number) => socket.write(`auth ${SCRAM_MECHANISM} ${Buffer.byteLength(message)} ${opaque}\r\n${message}`);
  try {
    const client = new ScramClientExchange(user, password);
    send(client.first(), 1);
    const first = await result();
    if (first.code !== 200) return first;
    send(await client.final(first.text), 2);
    return await result();
  } finally {
    socket.destroy();
  }
}

/** A broker process at default settings plus `sections`; with its HTTP address from its start-up lines. */
async function startBroker(sections: string): Promise<BrokerProcess & { http: string }> {
  const dir = tempDir('attack');
  const config = writeConfig(dir, { dataPath: join(dir, 'data') });
  appendFileSync(config, sections);
  const broker = await startBrokerProcess(config);
  let http = '';
  await eventually(() => {
    const line = broker.output.find((l) => l.startsWith('metrics '));
    http = line === undefined ? '' : line.slice('metrics '.length, -'/metrics'.length);
    return http !== '';
  }, 'the broker printing its metrics address');
  return Object.assign(broker, { http });
}

const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

describe('attacks: the smaller holes', { timeout: 60_000 }, () => {
  let open: BrokerProcess & { http: string };
  let secured: BrokerProcess & { http: string };

  before(async () => {
    const users = join(tempDir('attack-users'), 'users.json');
    const book = await UserBook.open(new NodeFileIO(), users);
    await book.put('alice', PASSWORD, { publish: ['orders'], subscribe: ['orders'], admin: false });
    await book.put('carol', PASSWORD, { publish: ['orders'], subscribe: [], admin: false });
    await book.put('dave', PASSWORD, { publish: ['orders'], subscribe: [], admin: false });
    [open, secured] = await Promise.all([startBroker(''), startBroker(`[http]\ntoken=${TOKEN}\n[auth]\nenabled=true\nusersFile=${users}\n`)]);
  });
  after(async () => {
    await killAllBrokers();
  });

  const scrape = async (headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) => {
    const response = await fetch(`${secured.http}/metrics`, { headers });
    assert.equal(response.status, 200);
    return parseExposition(await response.text()).samples;
  };
  const httpPut = (broker: { http: string }, topic: string, headers: Record<string, string>) =>
    fetch(`${broker.http}/put?topic=${topic}&partition=0`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', ...headers },
      body: 'via http',
    });

  it('/metrics asks for the admin token when [auth] is on, and stays open when it is off', async () => {
    const anonymous = await fetch(`${secured.http}/metrics`);
    assert.equal(anonymous.status, 401);
    assert.match(await anonymous.text(), /no Authorization header: send Authorization: Bearer <token>/);
    assert.equal((await fetch(`${secured.http}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
    assert.ok(sampleValue(await scrape(), 'metaq_login_failures_total') !== undefined, 'the token opens it');
    assert.equal((await fetch(`${open.http}/metrics`)).status, 200, 'without [auth], as before');
  });

  it('counts HTTP Basic failures and HTTP ACL refusals in the login and denial metrics', async () => {
    const before = await scrape();
    const failures = sampleValue(before, 'metaq_login_failures_total')!;
    const denials = sampleValue(before, 'metaq_access_denials_total', { right: 'publish' }) ?? 0;
    assert.equal((await httpPut(secured, 'orders', basic('alice', 'wrong password'))).status, 401);
    assert.equal((await httpPut(secured, 'payments', basic('alice', PASSWORD))).status, 401);
    const afterwards = await scrape();
    assert.equal(sampleValue(afterwards, 'metaq_login_failures_total'), failures + 1);
    assert.equal(sampleValue(afterwards, 'metaq_access_denials_total', { right: 'publish' }), denials + 1);
  });

  it('an HTTP /put with a wrong Basic login is answered 401 before its body is read', async () => {
    const url = new URL(secured.http);
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('error', () => undefined);
    await once(socket, 'connect');
    // The headers announce 1 MiB, and none of it is ever sent.
    socket.write(
      `POST /put?topic=orders&partition=0 HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: ${1024 * 1024}\r\nAuthorization: ${basic('mallory', 'guess').authorization}\r\n\r\n`,
    );
    await eventually(() => /^HTTP\/1\.1 401 [\s\S]*authentication failed/.test(text), `a 401 before the body: ${text}`);
    socket.destroy();
  });

  it('after repeated failed logins, refuses that user from that address on both ports for a while, not the others', async () => {
    for (let i = 0; i < 6; i += 1) assert.equal((await httpPut(secured, 'orders', basic('carol', `guess ${i}`))).status, 401, `guess ${i} is checked`);
    // Now even the right password is not tried: on HTTP ...
    const blocked = await httpPut(secured, 'orders', basic('carol', PASSWORD));
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers.get('retry-after')) >= 1);
    assert.match(await blocked.text(), /too many failed logins as this user from this address/);
    // ... and on the broker port (SCRAM), reached at the same address as HTTP (the broker's hostName).
    const host = new URL(secured.http).hostname;
    const refused = await scramLogin(host, secured.port, 'carol', PASSWORD);
    assert.equal(refused.code, 401);
    assert.match(refused.text, /too many failed logins as this user from this address: no login is tried for \d+ s more/);
    // Another user from the same address is served.
    assert.equal((await scramLogin(host, secured.port, 'dave', PASSWORD)).code, 200);
    assert.equal((await httpPut(secured, 'orders', basic('dave', PASSWORD))).status, 200);
    assert.ok(sampleValue(await scrape(), 'metaq_login_backoff_refusals_total')! >= 2);
  });

  it('dput with a deliverAtMs beyond what a date can hold is answered 400 saying what is allowed', async () => {
    const { text } = await exchange(open.port, 'dput orders 0 1 1 9223372036854775807 7\r\nx', /result \d+ (\d+) 7\r\n/);
    assert.match(text, /^result 400 \d+ 7\r\n/);
    const { text: reply } = await exchange(open.port, 'dput orders 0 1 1 9223372036854775807 7\r\nx', /more than 90 days ahead.*until then/);
    assert.match(reply, /deliverAtMs \d+ is more than 90 days ahead \(the latest accepted now is \d+, \d{4}-\d\d-\d\dT/);
    assert.doesNotMatch(reply, /RangeError/);
  });

  it('a malformed line is answered with the reason before the connection closes, and the broker serves on', async () => {
    const { text, closed } = await exchange(open.port, 'hello broker\r\n', /unknown command "hello"/);
    assert.match(text, /^result 400 \d+ 0\r\nmalformed request, closing the connection: unknown command "hello"/);
    assert.equal(closed, false, 'the reason arrived before the close');
    assert.equal((await httpPut(open, 'orders', {})).status, 200, 'others are served');
  });

  it('a master whose sync slave refuses its credentials says so on every put, naming the user and the fix', async () => {
    const fleet = brokerFleet();
    const users = join(tempDir('attack-repl-users'), 'users.json');
    const book = await UserBook.open(new NodeFileIO(), users);
    await book.put('repl', PASSWORD, { publish: [], subscribe: [], admin: true });
    await book.put('writer', PASSWORD, { publish: ['*'], subscribe: [], admin: false });
    const auth = (extra: string) => `[auth]\nenabled=true\nusersFile=${users}\n${extra}`;
    try {
      const slave = await fleet.start(brokerIni({}, { role: 'sync-slave' }, auth('')));
      const cases = [
        {
          brokerUser: 'repl',
          brokerPassword: 'not the password',
          why: /user repl, it refused the login \(.*authentication failed: wrong user name or password\)/,
        },
        {
          brokerUser: 'writer',
          brokerPassword: PASSWORD,
          why: /user writer, it refuses this master's replication: access denied: user writer has no admin rights/,
        },
      ];
      for (const { brokerUser, brokerPassword, why } of cases) {
        const master = await fleet.start(
          brokerIni({}, { slave: `127.0.0.1:${slave.port}` }, auth(`brokerUser=${brokerUser}\nbrokerPassword=${brokerPassword}\n`)),
        );
        const producer = fleet.client(master.port, { auth: { username: 'writer', password: PASSWORD } }).producer();
        // The first put may race the link's first refusal; from then on every put names it.
        await eventually(async () => {
          const error = await producer.send({ topic: 'mirrored', data: 'x' }, { timeoutMs: 10_000 }).then(
            () => undefined,
            (e: unknown) => e,
          );
          return error instanceof BrokerError && /Slave refused the credentials/.test(error.message);
        }, `a put to a master logging in as ${brokerUser} being refused for the slave's credentials`);
        await assert.rejects(
          producer.send({ topic: 'mirrored', data: 'y' }, { timeoutMs: 10_000 }),
          (error: unknown) =>
            error instanceof BrokerError &&
            why.test(error.message) &&
            /nothing was stored\. Set \[auth\] brokerUser and brokerPassword of this master to an admin user of the slave/.test(error.message),
        );
      }
    } finally {
      await fleet.closeAll();
    }
  });
});
