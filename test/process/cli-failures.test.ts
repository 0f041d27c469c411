import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { CLI, killAllBrokers, startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';

const run = promisify(execFile);

/** A local port nothing listens on: bound by the system, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A run that must fail on its own within `timeoutMs`: past it the child is killed and `code` is null. */
async function failed(
  args: string[],
  timeoutMs = 30_000,
  env: Record<string, string> = {},
): Promise<{ code: number | null; stderr: string; stdout: string; elapsedMs: number }> {
  const started = performance.now();
  try {
    await run(process.execPath, [CLI, ...args], { timeout: timeoutMs, env: { ...process.env, METAQ_ADMIN_TOKEN: '', ...env } });
  } catch (error) {
    const e = error as { code: number | null; stderr: string; stdout: string };
    return { code: e.code, stderr: e.stderr, stdout: e.stdout, elapsedMs: performance.now() - started };
  }
  throw new Error(`metaq ${args.join(' ')} succeeded`);
}

describe('metaq command line failures say what happened and end the process', { timeout: 90_000 }, () => {
  after(killAllBrokers);

  it('cluster, offsets and promote exit 1 soon after saying ZooKeeper is unreachable', async () => {
    const zk = `127.0.0.1:${await closedPort()}`;
    const runs = await Promise.all([
      failed(['cluster', '--zk', zk]),
      failed(['offsets', '--group', 'g', '--topic', 't'], 30_000, { METAQ_ZK: zk }), // the environment's ZooKeeper, when --zk is not given
      failed(['promote', '--zk', zk, '--broker-id', '1']),
    ]);
    for (const result of runs) {
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, new RegExp(`could not connect to ZooKeeper at ${zk} within 10000 ms`));
      // The connection timeout is 10 s; the process must not outlive it by much.
      assert.ok(result.elapsedMs < 20_000, `took ${result.elapsedMs} ms`);
    }
  });

  it('produce to a stopped broker says how many attempts failed over how long, and what to check', async () => {
    const port = await closedPort();
    const result = await failed(['produce', 't', '--port', String(port), '--message', 'hi']);
    assert.equal(result.code, 2);
    const message = new RegExp(
      `could not connect to meta://127\\.0\\.0\\.1:${port}: (\\d+) attempts over (\\d+) ms failed \\(last: connect ECONNREFUSED[^)]*\\); is a broker running on 127\\.0\\.0\\.1:${port}\\?`,
    );
    const match = message.exec(result.stderr);
    assert.ok(match, result.stderr);
    assert.ok(Number(match[1]) > 1);
    // The time said is the time waited, not one request's timeout.
    assert.ok(Number(match[2]) > 3000 && Number(match[2]) <= result.elapsedMs, result.stderr);
  });

  it('tx commit with a malformed key exits 64 and says what a key looks like, without connecting', async () => {
    const port = await closedPort();
    for (const key of ['nonsense', 'XID:1:zz:00:q', 'TX:s:1']) {
      const result = await failed(['tx', 'commit', key, '--port', String(port)]);
      assert.equal(result.code, 64, result.stderr);
      assert.match(result.stderr, /XID:<format>:<gtrid>:<bqual>:<qualifier>/);
      assert.match(result.stderr, /metaq tx list/);
      assert.doesNotMatch(result.stderr, /connection|connect/);
    }
  });

  it('a port out of range is a usage error (64)', async () => {
    for (const args of [
      ['consume', 't', '--port', '99999'],
      ['produce', 't', '--port', '0', '--message', 'x'],
      ['server', '--port', '70000'],
    ]) {
      const result = await failed(args);
      assert.equal(result.code, 64, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /option '--port <N>' argument '\d+' is invalid\. It must be a port number/);
    }
  });

  it('delete-partitions --force refuses a data directory a broker is running on, and works once it stopped', async () => {
    const dir = tempDir('cli-delete');
    const data = join(dir, 'data');
    const config = writeConfig(dir, { dataPath: data, unflushThreshold: 0 });
    const remove = ['delete-partitions', '--data', data, '--topic', 'gone', '--start', '0', '--end', '0', '--force'];
    let broker = await startBrokerProcess(config);
    await run(process.execPath, [CLI, 'produce', 'gone', '--port', String(broker.port), '--message', 'm']);
    const refused = await failed(remove);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, new RegExp(`a broker \\(pid ${broker.child.pid}\\) is running on ${data}.*stop it before deleting`));
    assert.ok(existsSync(join(data, 'gone-0')));
    // A broker killed -9 leaves its mark behind, naming a process that is gone: not a running broker.
    await broker.kill('SIGKILL');
    assert.ok(existsSync(join(data, '.metaq-broker.pid')));
    const deleted = await run(process.execPath, [CLI, ...remove]);
    assert.match(deleted.stdout, /deleted .*gone-0/);
    assert.ok(!existsSync(join(data, 'gone-0')));
    // A broker that stops cleanly takes its mark away.
    broker = await startBrokerProcess(config);
    assert.ok(existsSync(join(data, '.metaq-broker.pid')));
    assert.equal(await broker.kill('SIGTERM'), 0);
    assert.ok(!existsSync(join(data, '.metaq-broker.pid')));
  });
});
