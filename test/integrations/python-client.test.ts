import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { Broker } from '../../src/broker/broker.js';
import { parseBrokerConfig } from '../../src/broker/config/broker-config.js';
import { Broker as BrokerClass } from '../../src/broker/broker.js';
import { eventually } from '../support/eventually.js';
import { startBroker } from '../support/in-process-broker.js';
import { startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { silentLogger } from '../support/storage-harness.js';
import { useZookeeper } from '../support/zookeeper-fixture.js';

const run = promisify(execFile);
const CLIENT_DIR = join(fileURLToPath(new URL('.', import.meta.url)), '../../../clients/python');
/** Debian's interpreter, where scripts/ensure-python.sh installed python3-kazoo. */
const PYTHON = '/usr/bin/python3';

/** Run the Python client's unittest suite (or some of it); fails with its output if any test fails. */
async function unittest(env: Record<string, string>, ...names: string[]): Promise<string> {
  try {
    const { stderr } = await run(PYTHON, ['-m', 'unittest', '-v', ...(names.length > 0 ? names : ['tests.test_client'])], {
      cwd: CLIENT_DIR,
      env: { ...process.env, ...env },
      timeout: 120_000,
    });
    return stderr;
  } catch (error) {
    const failed = error as { stdout: string; stderr: string };
    throw new Error(`Python client tests failed:\n${failed.stderr}${failed.stdout}`, { cause: error });
  }
}

describe('Python client (clients/python)', { timeout: 180_000 }, () => {
  describe('direct mode', () => {
    let broker: Broker;
    before(async () => {
      broker = await startBroker();
    });
    after(async () => broker.stop());

    it('passes its suite against the broker: wire, send and consume, pipelining, the legacy 6-token put, file offsets, refusals', async () => {
      const output = await unittest({ METAQ_URL: broker.url });
      assert.match(output, /Ran \d+ tests/);
      assert.match(output, /test_legacy_six_token_put_is_accepted \S+ \.\.\. ok/);
      assert.match(output, /OK \(skipped=1\)/, 'everything but cluster mode ran and passed');
    });
  });

  // MetaQ's normal flush policy, as a server.ini that leaves unflushThreshold out gets: a message is
  // visible once flushed (here within a second), so the suite must wait for what it reads.
  describe('direct mode, a broker started from a server.ini with normal flush', () => {
    let broker: BrokerProcess;
    before(async () => {
      const dir = tempDir('py-ini');
      broker = await startBrokerProcess(writeConfig(dir, { dataPath: join(dir, 'data'), unflushThreshold: 1000, unflushInterval: 1000 }));
    });
    after(async () => broker.kill('SIGTERM'));

    it('passes the same suite', async () => {
      const output = await unittest({ METAQ_URL: `meta://127.0.0.1:${broker.port}` }, 'tests.test_client.DirectModeTest');
      assert.match(output, /OK/);
      assert.match(output, /test_newest_skips_what_is_there \S+ \.\.\. ok/);
    });
  });

  describe('installed with pip into a virtual environment', () => {
    let broker: Broker;
    before(async () => {
      broker = await startBroker();
    });
    after(async () => broker.stop());

    it('installs from its folder without the network and runs from anywhere', async () => {
      const work = tempDir('py-pip');
      // A copy, so setuptools' build leftovers stay out of the repository.
      cpSync(CLIENT_DIR, join(work, 'source'), { recursive: true });
      await run(PYTHON, ['-m', 'venv', '--system-site-packages', join(work, 'venv')]);
      // --no-build-isolation: setuptools from the system, not downloaded (pip's default needs PyPI).
      await run(join(work, 'venv/bin/pip'), ['install', '--quiet', '--no-build-isolation', '--no-index', join(work, 'source')], { cwd: work });
      const script = [
        'import sys, metaq',
        'assert "site-packages" in metaq.__file__, metaq.__file__',
        'with metaq.Client(server_url=sys.argv[1]) as client:',
        '    client.producer().send("pip-installed", b"hello from pip")',
        '    print(client.consumer("pip", "pip-installed").poll()[0].data.decode())',
      ].join('\n');
      const { stdout } = await run(join(work, 'venv/bin/python'), ['-c', script, broker.url], { cwd: work });
      assert.equal(stdout.trim(), 'hello from pip');
    });
  });

  describe('cluster mode (kazoo)', () => {
    const zk = useZookeeper();
    let broker: Broker;
    before(async () => {
      const config = parseBrokerConfig(
        `[system]\nbrokerId=7\ndataPath=${tempDir('py')}\nserverPort=0\nunflushThreshold=0\n${zk.ini()}[topic=py-cluster]\nnumPartitions=3\n`,
        'py.ini',
      );
      broker = await BrokerClass.start({ config, logger: silentLogger, host: '127.0.0.1' });
      await eventually(async () => (await zk.session.getChildren('/meta/brokers/topics/py-cluster')).length > 0, 'the topic registered in ZooKeeper');
    });
    after(async () => broker.stop());

    it("finds partitions in ZooKeeper, sends round robin, keeps offsets in MetaQ's znodes", async () => {
      const output = await unittest({ METAQ_URL: broker.url, METAQ_ZK: zk.server.connect, METAQ_TOPIC: 'py-cluster' }, 'tests.test_client.ClusterModeTest');
      assert.match(output, /test_partitions_from_zookeeper_and_offsets_there .* ok/);
      const node = await zk.session.getData('/meta/consumers/py-cluster/offsets/py-cluster/7-0');
      assert.match(node ?? '', /^-?\d+-\d+$/);
    });
  });
});
