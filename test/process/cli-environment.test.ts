import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { CLI, killAllBrokers, startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';
import type { BrokerProcess } from '../support/broker-process.js';

const run = promisify(execFile);

/** The variables under test: unset unless a case sets them, so the caller's shell cannot leak in. */
const VARIABLES = ['METAQ_SERVER', 'METAQ_ZK', 'METAQ_ADMIN', 'METAQ_TOKEN', 'METAQ_ADMIN_TOKEN'];

function metaq(env: Record<string, string>, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const merged: NodeJS.ProcessEnv = { ...process.env };
  for (const name of VARIABLES) delete merged[name];
  return run(process.execPath, [CLI, ...args], { env: { ...merged, ...env }, timeout: 30_000 });
}

async function failure(env: Record<string, string>, ...args: string[]): Promise<{ code: number | null; stderr: string }> {
  try {
    await metaq(env, ...args);
  } catch (error) {
    return error as { code: number | null; stderr: string };
  }
  throw new Error(`metaq ${args.join(' ')} succeeded`);
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('metaq reads its connection defaults from the environment; options win', { timeout: 60_000 }, () => {
  let broker: BrokerProcess;
  before(async () => {
    const dir = tempDir('cli-env');
    broker = await startBrokerProcess(writeConfig(dir, { dataPath: join(dir, 'data'), unflushThreshold: 0 }));
  });
  after(killAllBrokers);

  it('METAQ_SERVER names the broker, as meta://host:port or host:port; --port wins over it', async () => {
    const produced = await metaq({ METAQ_SERVER: `meta://127.0.0.1:${broker.port}` }, 'produce', 'env-topic', '--message', 'a');
    assert.match(produced.stdout, /^\d+ 0 0\n$/);
    const consumed = await metaq({ METAQ_SERVER: `127.0.0.1:${broker.port}` }, 'consume', 'env-topic');
    assert.match(consumed.stdout, /\ta\n$/);
    const dead = await closedPort();
    const overridden = await metaq({ METAQ_SERVER: `127.0.0.1:${dead}` }, 'consume', 'env-topic', '--port', String(broker.port));
    assert.match(overridden.stdout, /\ta\n$/);
    const bad = await failure({ METAQ_SERVER: 'meta://127.0.0.1:99999' }, 'consume', 'env-topic');
    assert.equal(bad.code, 64);
    assert.match(bad.stderr, /from env 'METAQ_SERVER' is invalid/);
  });

  it('METAQ_ADMIN and METAQ_TOKEN (or METAQ_ADMIN_TOKEN) reach the admin API; --admin wins', async () => {
    const admin = `http://127.0.0.1:${await closedPort()}`;
    for (const token of [{ METAQ_TOKEN: 't' }, { METAQ_ADMIN_TOKEN: 't' }] as Array<Record<string, string>>) {
      const result = await failure({ METAQ_ADMIN: admin, ...token }, 'reload');
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`could not reach the admin API at ${admin}`));
    }
    const other = `http://127.0.0.1:${await closedPort()}`;
    const overridden = await failure({ METAQ_ADMIN: admin, METAQ_TOKEN: 't' }, 'reload', '--admin', other);
    assert.match(overridden.stderr, new RegExp(`could not reach the admin API at ${other}`));
    const missing = await failure({ METAQ_ADMIN: admin }, 'reload');
    assert.equal(missing.code, 64);
    assert.match(missing.stderr, /needs a token: --token T or METAQ_TOKEN/);
  });

  it('each command names the variables in its --help', async () => {
    assert.match((await metaq({}, 'consume', '--help')).stdout, /--server <ADDR>[\s\S]*env:\s+METAQ_SERVER/);
    assert.match((await metaq({}, 'cluster', '--help')).stdout, /--zk [\s\S]*env:\s+METAQ_ZK/);
    const lag = (await metaq({}, 'lag', '--help')).stdout;
    assert.match(lag, /--admin <URL>[\s\S]*env:\s+METAQ_ADMIN\)/);
    assert.match(lag, /--token <T>[\s\S]*env:\s+METAQ_TOKEN\)/);
  });
});
