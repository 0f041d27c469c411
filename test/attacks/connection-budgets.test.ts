import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { checksum } from '../../src/common/checksum.js';
import { RECORD_HEADER_SIZE } from '../../src/protocol/record.js';
import { killAllBrokers, startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { eventually } from '../support/eventually.js';
import { processFootprint } from '../support/process-footprint.js';

/**
 * What one client's connections may take (issue 28): a real broker process at its default
 * settings (a time limit is shortened only where waiting out its default would be pointless).
 */

const fixtures = fileURLToPath(new URL('../../../test/fixtures/tls/', import.meta.url));
const pem = (name: string): string => join(fixtures, name);
const ca = readFileSync(pem('ca.pem'));
const MiB = 1024 * 1024;

type TextSocket = Socket & { text: () => string; ended: Promise<void> };

/** A raw connection from a loopback address of our choosing (Linux answers on all of 127/8). */
async function open(port: number, from = '127.0.0.1'): Promise<TextSocket> {
  const socket = connect({ host: '127.0.0.1', port, localAddress: from });
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const ended = once(socket, 'close').then(() => undefined);
  await once(socket, 'connect');
  return Object.assign(socket, { text: () => received, ended });
}

/** Wait until the broker's text holds a reply line matching `reply`. */
async function answered(socket: TextSocket, reply: RegExp): Promise<void> {
  await eventually(() => reply.test(socket.text()), `a reply matching ${reply}`);
}

function putFrame(topic: string, body: Buffer, opaque: number): Buffer {
  return Buffer.concat([Buffer.from(`put ${topic} 0 ${body.length} 0 ${checksum(body)} ${opaque}\r\n`), body]);
}

/** The broker's /metrics text, over HTTPS trusting the test CA when the broker speaks TLS. */
async function scrape(broker: BrokerProcess): Promise<string> {
  const url = await broker.httpUrl;
  if (url.startsWith('http:')) return (await fetch(`${url}/metrics`)).text();
  return new Promise((resolve, reject) => {
    httpsGet(`${url}/metrics`, { ca }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

function metric(text: string, line: RegExp): number {
  const match = new RegExp(`^${line.source} (\\S+)$`, 'm').exec(text);
  return match === null ? Number.NaN : Number(match[1]);
}

/** A broker process at default settings but for `system`, accepting every topic; `tls` gives it the test certificate. */
async function startDefaultBroker(system: Record<string, number> = {}, tls = false): Promise<BrokerProcess> {
  const dir = tempDir('attack-budget');
  const config = writeConfig(dir, { dataPath: `${dir}/data`, ...system });
  if (tls)
    writeFileSync(config, `${readFileSync(config, 'utf8')}[tls]\ncertFile=${pem('broker.pem')}\nkeyFile=${pem('broker.key')}\ncaFile=${pem('ca.pem')}\n`);
  return startBrokerProcess(config);
}

describe("attack: what one client's connections may take", { timeout: 300_000 }, () => {
  after(() => killAllBrokers());
  // Each case waits on conditions only; a limit that does not act leaves it waiting until its own timeout.

  it(
    'closes TLS handshakes that never finish, counts them against maxConnectionsPerIp, and still serves TLS clients and HTTPS',
    { timeout: 60_000 },
    async () => {
      const broker = await startDefaultBroker({}, true);
      const httpPort = Number(new URL(await broker.httpUrl).port);
      // 1,000 sockets from one address that never start their handshake: the default per-IP limit.
      const stalled: TextSocket[] = [];
      for (let batch = 0; batch < 10; batch += 1) stalled.push(...(await Promise.all(Array.from({ length: 100 }, () => open(broker.port)))));
      const overLimit = await open(broker.port);
      const stalledHttps = await open(httpPort);
      await eventually(async () => {
        const text = await scrape(broker);
        return metric(text, /metaq_connections_refused_total\{limit="per_ip"\}/) === 1 && metric(text, /metaq_tls_handshakes_in_progress/) >= 1_000;
      }, 'the 1,001st socket from 127.0.0.1 refused while 1,000 handshakes are under way');
      await overLimit.ended;

      // A real TLS client from another address is served meanwhile.
      const client = tlsConnect({ socket: connect({ host: '127.0.0.1', port: broker.port, localAddress: '127.0.0.2' }), ca, servername: 'localhost' });
      let reply = '';
      client.on('error', () => undefined);
      client.on('data', (chunk: Buffer) => (reply += chunk.toString()));
      await once(client, 'secureConnect');
      client.write('version 7\r\n');
      await eventually(() => /^result 200 \d+ 7\r\n/.test(reply), "the TLS client's version answered");
      client.destroy();

      // Every stalled socket is closed at handshakeTimeoutMs (10 s), on the broker port and the HTTPS port.
      await Promise.all([...stalled.map((socket) => socket.ended), stalledHttps.ended]);
      const text = await scrape(broker);
      assert.ok(metric(text, /metaq_connection_timeouts_total\{limit="tls_handshake"\}/) >= 1_001, 'the closed handshakes counted');
      assert.equal(metric(text, /metaq_tls_handshakes_in_progress/), 0);
      const again = tlsConnect({ socket: connect({ host: '127.0.0.1', port: broker.port }), ca, servername: 'localhost' }); // the address has its connections back
      await once(again, 'secureConnect');
      again.destroy();
    },
  );

  it('closes a connection whose request body stops arriving after bodyTimeoutMs, serving the others', { timeout: 60_000 }, async () => {
    const broker = await startDefaultBroker({ bodyTimeoutMs: 500 });
    const steady = await open(broker.port);
    const stuck = await open(broker.port);
    stuck.write(putFrame('attack', Buffer.alloc(100, 'x'), 1).subarray(0, 60)); // the command line and part of its body
    await stuck.ended;
    assert.match(stuck.text(), /^result 408 \d+ 2147483647\r\na request body must arrive within 500 ms of its command line \(bodyTimeoutMs\)/);
    steady.write(putFrame('attack', Buffer.from('served'), 2));
    await answered(steady, /^result 200 \d+ 2\r\n/);
    assert.equal(metric(await scrape(broker), /metaq_connection_timeouts_total\{limit="body"\}/), 1);
    steady.destroy();
  });

  it('closes idle connections after idleTimeoutMs with the reason, but not one heartbeating nor one waiting in a wget', { timeout: 60_000 }, async () => {
    const broker = await startDefaultBroker({ idleTimeoutMs: 1_000, unflushThreshold: 0 });
    const producer = await open(broker.port);
    producer.write(putFrame('idle-test', Buffer.from('first'), 1));
    await answered(producer, /^result 200 \d+ 1\r\n-?\d+ 0 \d+/);
    const end = Number(/^result 200 \d+ 1\r\n-?\d+ 0 (\d+)/.exec(producer.text())![1]) + RECORD_HEADER_SIZE + 'first'.length;
    producer.destroy();
    const waiting = await open(broker.port);
    waiting.write(`wget idle-test group 0 ${end} 65536 60000 5\r\n`);
    const beating = await open(broker.port);
    let beats = 0;
    const heartbeat = setInterval(() => beating.write(`version ${(beats += 1)}\r\n`), 200); // the metaq client's heartbeat, sped up
    try {
      const idle = await open(broker.port);
      await idle.ended;
      assert.match(idle.text(), /^result 408 \d+ 2147483647\r\nnothing received for 1000 ms with no request in flight \(idleTimeoutMs\)/);
      const laterIdle = await open(broker.port); // opened after the first closed: the others have been watched for two limits
      await laterIdle.ended;
      assert.equal(waiting.destroyed, false, `the waiting connection is open: ${waiting.text()}`);
      assert.equal(beating.destroyed, false, 'the heartbeating connection is open');
      assert.equal(metric(await scrape(broker), /metaq_connection_timeouts_total\{limit="idle"\}/), 2);
      const later = await open(broker.port);
      later.write(putFrame('idle-test', Buffer.from('wakes the wget'), 9));
      await answered(waiting, /wakes the wget/);
      later.destroy();
    } finally {
      clearInterval(heartbeat);
      waiting.destroy();
      beating.destroy();
    }
  });

  it("holds at most maxBodyBytesInFlight of bodies that stop one byte short, and other clients' puts still succeed", { timeout: 60_000 }, async (t) => {
    const broker = await startDefaultBroker();
    const before = processFootprint(broker.child.pid!).rssMb;
    const almost = Buffer.alloc(16 * MiB - 1, 'a');
    const attackers: TextSocket[] = [];
    for (let at = 0; at < 40; at += 1) {
      const socket = await open(broker.port);
      socket.write(`put big 0 ${16 * MiB} 0 0 ${at}\r\n`);
      socket.write(almost);
      attackers.push(socket);
    }
    // One address holds half the budget (128 MiB: 8 bodies); the others wait without being read.
    await eventually(async () => {
      const text = await scrape(broker);
      return (
        metric(text, /metaq_body_bytes_in_flight/) === 8 * 16 * MiB &&
        metric(text, /metaq_body_budget_waits_total/) === 32 &&
        attackers.filter((socket) => socket.writableLength === 0).length >= 8
      );
    }, 'eight bodies held and 32 connections waiting');
    const grownMb = processFootprint(broker.child.pid!).rssMb - before;
    t.diagnostic(`broker RSS grew by ${grownMb.toFixed(0)} MB holding 8 bodies of 16 MiB`);
    assert.ok(grownMb < 256, `the broker grew by ${grownMb.toFixed(0)} MB, more than maxBodyBytesInFlight (256 MiB)`);

    // Another client's large put (a body spanning reads) and small put are served meanwhile.
    const other = await open(broker.port, '127.0.0.2');
    other.write(putFrame('other', Buffer.alloc(MiB, 'o'), 1));
    other.write(putFrame('other', Buffer.from('small'), 2));
    await answered(other, /^result 200 \d+ 1\r\n[\s\S]*result 200 \d+ 2\r\n/);
    other.destroy();

    for (const socket of attackers) socket.destroy();
    await eventually(async () => metric(await scrape(broker), /metaq_body_bytes_in_flight/) === 0, 'the budget given back');
  });
  it('closes a client that stops reading its replies while holding part of a body, and returns its reservation', { timeout: 60_000 }, async () => {
    const broker = await startDefaultBroker({ bodyTimeoutMs: 3_000, unflushThreshold: 0 }); // gets see the put at once; 3 s: a loaded machine may starve the reader for a second
    const producer = await open(broker.port, '127.0.0.2');
    producer.write(putFrame('unread', Buffer.alloc(1_000_000, 'u'), 1));
    await answered(producer, /^result 200 \d+ 1\r\n/);
    // 80 gets of ~1 MB that it never reads (past the kernel's buffers, up to 36 MB here, over the 16 MiB of unsent
    // replies that stop reading), then a put's command line and the start of an 8 MiB body.
    const reader = await open(broker.port);
    reader.pause();
    const gets = Array.from({ length: 80 }, (_, at) => `get unread g 0 0 ${MiB} ${at + 10}\r\n`).join('');
    reader.write(Buffer.concat([Buffer.from(`${gets}put unread 0 ${8 * MiB} 0 0 99\r\n`), Buffer.alloc(1_000, 'p')]));
    await eventually(async () => {
      const text = await scrape(broker);
      const closed = metric(text, /metaq_connection_timeouts_total\{limit="write_stall"\}/) + metric(text, /metaq_connection_timeouts_total\{limit="body"\}/);
      return closed >= 1 && metric(text, /metaq_body_bytes_in_flight/) === 0;
    }, 'the non-reading connection closed and its 8 MiB reservation returned');
    producer.write(putFrame('unread', Buffer.from('still served'), 2));
    await answered(producer, /result 200 \d+ 2\r\n/);
    producer.destroy();
    reader.destroy();
  });
  it('holds HTTP /put bodies to the same budget: an address past its share is answered 503, another address still puts', { timeout: 60_000 }, async (t) => {
    const broker = await startDefaultBroker();
    const httpPort = Number(new URL(await broker.httpUrl).port);
    const before = processFootprint(broker.child.pid!).rssMb;
    const length = 16 * MiB - 1;
    const almost = Buffer.alloc(length - 1, 'h');
    const attackers: TextSocket[] = [];
    for (let at = 0; at < 10; at += 1) {
      const socket = await open(httpPort);
      socket.write(`POST /put?topic=big&partition=0 HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: ${length}\r\n\r\n`);
      socket.write(almost);
      attackers.push(socket);
    }
    // Half the budget (128 MiB) holds eight such bodies; the ninth and tenth are refused before they are read.
    await eventually(async () => {
      const refused = attackers.filter((socket) => /^HTTP\/1\.1 503 [\s\S]*maxBodyBytesInFlight/.test(socket.text())).length;
      return refused === 2 && metric(await scrape(broker), /metaq_body_bytes_in_flight/) === 8 * length;
    }, 'eight HTTP bodies held and two answered 503');
    const grownMb = processFootprint(broker.child.pid!).rssMb - before;
    t.diagnostic(`broker RSS grew by ${grownMb.toFixed(0)} MB holding 8 HTTP bodies of 16 MiB`);
    assert.ok(grownMb < 256, `the broker grew by ${grownMb.toFixed(0)} MB, more than maxBodyBytesInFlight (256 MiB)`);

    const other = await open(httpPort, '127.0.0.2');
    other.write('POST /put?topic=other&partition=0 HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 5\r\n\r\nsmall');
    await eventually(() => /^HTTP\/1\.1 200 /.test(other.text()), `the other address's put answered 200: ${other.text()}`);
    other.destroy();

    for (const socket of attackers) socket.destroy();
    await eventually(async () => metric(await scrape(broker), /metaq_body_bytes_in_flight/) === 0, 'the budget given back when the connections closed');
  });
  it('keeps a consumer that reads its replies slowly: each reply byte sent resets the write-stall clock', { timeout: 120_000 }, async () => {
    const broker = await startDefaultBroker({ bodyTimeoutMs: 3_000, unflushThreshold: 0 }); // gets see the put at once; 3 s: a loaded machine may starve the reader for a second
    const producer = await open(broker.port, '127.0.0.2');
    producer.write(putFrame('slow', Buffer.alloc(1_000_000, 's'), 1));
    await answered(producer, /^result 200 \d+ 1\r\n/);
    producer.destroy();
    // 48 replies of ~1 MB, read one socket read (64 KiB) every 10 ms: some 20 s, far past the limit.
    const reader = await open(broker.port);
    reader.pause();
    reader.on('data', () => reader.pause());
    const step = setInterval(() => reader.resume(), 10);
    try {
      reader.write(Array.from({ length: 48 }, (_, at) => `get slow g 0 0 ${MiB} ${at + 10}\r\n`).join(''));
      for (let round = 0; round < 8 && (reader.text().match(/value \d+ \d+\r\n/g) ?? []).length < 48 && !reader.destroyed; round += 1) {
        await eventually(
          () => reader.destroyed || (reader.text().match(/value \d+ \d+\r\n/g) ?? []).length >= (round + 1) * 6,
          `slow reader's replies ${(round + 1) * 6} of 48`,
        );
      }
      assert.equal(
        reader.destroyed,
        false,
        `the slow reader is still connected: ${(await scrape(broker))
          .split('\n')
          .filter((line) => line.startsWith('metaq_connection_timeouts_total'))
          .join(' ')}`,
      );
      assert.equal((reader.text().match(/value \d+ \d+\r\n/g) ?? []).length, 48);
      assert.equal(metric(await scrape(broker), /metaq_connection_timeouts_total\{limit="write_stall"\}/), 0);
    } finally {
      clearInterval(step);
      reader.destroy();
    }
  });
});
