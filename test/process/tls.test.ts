import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { AdminServer } from '../../src/admin/admin-server.js';
import type { Broker } from '../../src/broker/broker.js';
import { parseBrokerConfig } from '../../src/broker/config/broker-config.js';
import { loadTlsMaterial } from '../../src/broker/config/tls-material.js';
import { NodeFileIO } from '../../src/storage/io/node-file-io.js';
import { ConnectionError, MetaqClient } from '../../src/client/index.js';
import type { ConnectionOptions } from '../../src/client/transport/broker-connection.js';
import { CLI, tempDir } from '../support/broker-process.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { brokerFleet, brokerIni, logBytes } from '../support/replica-pair.js';

const run = promisify(execFile);
const fixtures = fileURLToPath(new URL('../../../test/fixtures/tls/', import.meta.url));
const pem = (name: string): string => join(fixtures, name);
const tlsSection = (extra: Record<string, string | number | boolean> = {}): string =>
  `[tls]\n${Object.entries({ certFile: pem('broker.pem'), keyFile: pem('broker.key'), caFile: pem('ca.pem'), ...extra })
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
const trustingCa = { ca: readFileSync(pem('ca.pem')) };
const aliceCertificate = { ...trustingCa, cert: readFileSync(pem('client.pem')), key: readFileSync(pem('client.key')) };

describe('TLS on the broker port, the plaintext port, replication and the HTTP side', { timeout: 60_000 }, () => {
  const fleet = brokerFleet();
  const start = (text: string): Promise<Broker> => fleet.start(text);
  const clientOf = (port: number, connection: Partial<ConnectionOptions> = {}): MetaqClient => fleet.client(port, connection);
  after(() => fleet.closeAll());

  it('serves clients that trust its CA; refuses plaintext and unverifiable peers without touching the others', async () => {
    const broker = await start(brokerIni({}, {}, tlsSection()));
    const trusted = clientOf(broker.port, { tls: trustingCa });
    const sent = await trusted.producer().send({ topic: 'secret', data: 'over TLS' });
    assert.equal((await trusted.get('secret', 0, sent.offset)).messages[0]!.data.toString(), 'over TLS');

    // A plaintext client on the TLS port: the handshake fails, counted, nothing else happens.
    const plain = connect({ host: '127.0.0.1', port: broker.port });
    plain.on('error', () => undefined);
    plain.write('version 1\r\n');
    await once(plain, 'close');
    await eventually(() => broker.counters.tlsHandshakeFailures === 1, 'the failed handshake counted');

    // A client that does not trust the broker's CA learns why it cannot connect.
    const wary = clientOf(broker.port, { tls: { ca: readFileSync(pem('other-ca.pem')) } });
    await assert.rejects(
      wary.producer().send({ topic: 'secret', data: 'x' }, { timeoutMs: 1_000 }),
      (error: unknown) => error instanceof ConnectionError && /certificate/i.test(error.message),
    );
    assert.equal((await trusted.producer().send({ topic: 'secret', data: 'still served' })).offset > sent.offset, true);
  });

  it('opens a plaintext port only when plainPort asks for it, serving the same topics', async () => {
    const broker = await start(brokerIni({}, {}, tlsSection({ plainPort: 0 })));
    assert.equal(broker.plainPort, undefined);
    const withPlain = await start(brokerIni({}, {}, tlsSection({ plainPort: await freePort() })));
    const old = clientOf(withPlain.plainPort!);
    const viaPlain = await old.producer().send({ topic: 'both', data: 'from an old client' });
    const viaTls = await clientOf(withPlain.port, { tls: trustingCa }).get('both', 0, viaPlain.offset);
    assert.equal(viaTls.messages[0]!.data.toString(), 'from an old client');
  });

  it('with clientAuth, serves only clients with a certificate from caFile', async () => {
    const broker = await start(brokerIni({}, {}, tlsSection({ clientAuth: true })));
    const anonymous = clientOf(broker.port, { tls: trustingCa });
    await assert.rejects(anonymous.producer().send({ topic: 'mtls', data: 'x' }, { timeoutMs: 1_000 }), ConnectionError);
    const alice = clientOf(broker.port, { tls: aliceCertificate });
    assert.equal((await alice.producer().send({ topic: 'mtls', data: 'from alice' })).offset, 0);
  });

  it('replicates to a sync slave over TLS, both sides checking certificates', async () => {
    const slave = await start(brokerIni({}, { role: 'sync-slave' }, tlsSection({ clientAuth: true })));
    const master = await start(brokerIni({}, { slave: `127.0.0.1:${slave.port}` }, tlsSection({ clientAuth: true })));
    await eventually(() => master.replication.syncMaster!.status().connected, 'the master reaching its slave over TLS');
    const producer = clientOf(master.port, { tls: aliceCertificate }).producer();
    for (let i = 0; i < 20; i += 1) await producer.send({ topic: 'mirrored', data: `m${i}` });
    assert.deepEqual(await logBytes(slave.stores.find('mirrored', 0)), await logBytes(master.stores.find('mirrored', 0)));
  });

  it('serves the admin API and metrics over HTTPS with the same certificate', async () => {
    const broker = await start(brokerIni({}, {}, tlsSection()));
    const admin = await AdminServer.start(broker, { port: 0, host: '127.0.0.1', token: 'secret' });
    try {
      assert.match(admin.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const body = await new Promise<string>((resolve, reject) => {
        httpsGet(`${admin.url}/metrics`, { ca: trustingCa.ca }, (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => resolve(text));
        }).on('error', reject);
      });
      assert.match(body, /^metaq_tls_handshake_failures_total 0$/m);
    } finally {
      await admin.close();
    }
  });

  it('the command line speaks TLS when METAQ_TLS_CA (or METAQ_TLS=1) says so', async () => {
    const broker = await start(brokerIni({}, {}, tlsSection()));
    const env = { ...process.env, METAQ_TLS_CA: pem('ca.pem') };
    const produced = await run(process.execPath, [CLI, 'produce', 'cli-tls', '--message', 'hello', '--port', String(broker.port)], { env });
    assert.match(produced.stdout, /^\d+ 0 0$/m);
    const consumed = await run(process.execPath, [CLI, 'consume', 'cli-tls', '--port', String(broker.port)], { env });
    assert.match(consumed.stdout, /\thello$/m);
    await assert.rejects(
      run(process.execPath, [CLI, 'produce', 'cli-tls', '--message', 'x', '--port', String(broker.port)], {
        env: { ...process.env, METAQ_TLS_CA: pem('nowhere.pem') },
      }),
      (error: { stderr?: string }) => /METAQ_TLS_CA=.*nowhere\.pem does not exist/.test(error.stderr ?? ''),
    );
  });

  it('refuses a [tls] section that cannot work, at start, saying what to fix', async () => {
    const parse = (extra: Record<string, string | boolean>): unknown =>
      parseBrokerConfig(
        brokerIni(
          {},
          {},
          `[tls]\n${Object.entries(extra)
            .map(([k, v]) => `${k}=${v}`)
            .join('\n')}\n`,
        ),
        'server.ini',
      );
    assert.throws(() => parse({ certFile: pem('broker.pem') }), /certFile and keyFile go together/);
    assert.throws(() => parse({ certFile: pem('broker.pem'), keyFile: pem('broker.key'), clientAuth: true }), /clientAuth=true needs caFile/);
    assert.throws(() => parse({ plainPort: '9000' }), /without certFile every listener is plaintext already/);
    await assert.rejects(
      loadTlsMaterial({ certFile: pem('missing.pem'), keyFile: pem('broker.key'), caFile: '', clientAuth: false, plainPort: 0 }, new NodeFileIO()),
      /certFile=.*missing\.pem does not exist/,
    );
    const wrongKey = join(tempDir('tls'), 'other.key');
    writeFileSync(wrongKey, readFileSync(pem('client.key')));
    await assert.rejects(
      loadTlsMaterial({ certFile: pem('broker.pem'), keyFile: wrongKey, caFile: '', clientAuth: false, plainPort: 0 }, new NodeFileIO()),
      /do not make a usable TLS identity/,
    );
  });
});
