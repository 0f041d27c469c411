import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Broker } from '../../src/broker/broker.js';
import { parseBrokerConfig } from '../../src/broker/config/broker-config.js';
import type { BrokerConfig } from '../../src/broker/config/broker-config.js';
import type { FileIO, IoFile } from '../../src/storage/io/file-io.js';
import { NodeFileIO } from '../../src/storage/io/node-file-io.js';
import { startBroker } from '../support/in-process-broker.js';
import { tempDir } from '../support/broker-process.js';
import { freePort } from '../support/free-port.js';
import { silentLogger } from '../support/storage-harness.js';

/** A NodeFileIO that counts the files open now. */
function countingIO(): { io: FileIO; open: () => number; opened: () => number } {
  const inner = new NodeFileIO();
  let open = 0;
  let opened = 0;
  const io = new Proxy(inner, {
    get(target, property, receiver) {
      if (property !== 'open') return Reflect.get(target, property, receiver) as unknown;
      return async (...args: Parameters<FileIO['open']>): Promise<IoFile> => {
        const file = await target.open(...args);
        open += 1;
        opened += 1;
        const close = file.close.bind(file);
        file.close = async () => {
          open -= 1;
          await close();
        };
        return file;
      };
    },
  });
  return { io, open: () => open, opened: () => opened };
}

const fixtures = fileURLToPath(new URL('../../../test/fixtures/tls/', import.meta.url));
const pem = (name: string): string => join(fixtures, name);

function configText(system: Record<string, string | number>): string {
  const lines = Object.entries({ dataPath: tempDir('data'), unflushThreshold: 0, ...system }).map(([k, v]) => `${k}=${v}`);
  return `[system]\n${lines.join('\n')}\n[topic=traced]\ntrace=true\n[topic=*]\n`;
}

function config(system: Record<string, string | number>): BrokerConfig {
  return parseBrokerConfig(configText(system), 'test.ini');
}

describe('broker start failure', () => {
  it('closes every file it opened (stores, journal, traces, delayed schedule) when its port is taken', { timeout: 20_000 }, async () => {
    const holder = await startBroker();
    try {
      const files = countingIO();
      await assert.rejects(Broker.start({ config: config({ serverPort: holder.port }), io: files.io, logger: silentLogger, host: '127.0.0.1' }), /EADDRINUSE/);
      assert.ok(files.opened() > 0, 'the services were opened before listening');
      assert.equal(files.open(), 0, 'every file opened was closed before the error was reported');
    } finally {
      await holder.stop();
    }
  });

  it('stops listening on the broker port when a later port (plainPort) is taken', { timeout: 20_000 }, async () => {
    const holder = await startBroker();
    try {
      const serverPort = await freePort();
      const tls = { certFile: pem('broker.pem'), keyFile: pem('broker.key'), caFile: pem('ca.pem'), plainPort: holder.port };
      const withTls = parseBrokerConfig(
        `${configText({ serverPort })}[tls]\n${Object.entries(tls)
          .map(([k, v]) => `${k}=${v}`)
          .join('\n')}\n`,
        'test.ini',
      );
      await assert.rejects(Broker.start({ config: withTls, logger: silentLogger, host: '127.0.0.1' }), /EADDRINUSE/);
      const refused = connect(serverPort, '127.0.0.1');
      const [error] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
      assert.equal(error.code, 'ECONNREFUSED', 'the broker port that did listen was closed');
    } finally {
      await holder.stop();
    }
  });

  it('refuses an async slave without ZooKeeper before it opens any file', async () => {
    const files = countingIO();
    const asyncSlave = parseBrokerConfig(`${configText({ serverPort: 0 })}[replication]\nrole=async-slave\nslaveId=1\n`, 'test.ini');
    await assert.rejects(
      Broker.start({ config: asyncSlave, io: files.io, logger: silentLogger, host: '127.0.0.1' }),
      /role=async-slave finds its master in ZooKeeper/,
    );
    assert.equal(files.opened(), 0);
  });
});
