import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { ZkSession } from '../../src/coordination/zk/zk-session.js';
import { CLI } from '../support/broker-process.js';
import { freePort } from '../support/free-port.js';
import { brokerIni, startFromIni } from '../support/replica-pair.js';
import { useZookeeper } from '../support/zookeeper-fixture.js';

describe('metaq promote after the master was killed', { timeout: 60_000 }, () => {
  const zk = useZookeeper();

  it('says on stderr that it waits for the old master session to expire, and for how long at most, then promotes', async () => {
    const slave = await startFromIni(brokerIni({ brokerId: 9 }, { role: 'sync-slave' }, zk.ini()));
    // A killed master: its ephemeral node lingers (here held by a session of the test's own) and nothing answers at its URL.
    const ghost = await ZkSession.open({ connect: zk.server.connect, sessionTimeoutMs: 4000, connectionTimeoutMs: 10_000 });
    await ghost.create('/meta/brokers/ids/9/master', `meta://127.0.0.1:${await freePort()}`, 'ephemeral');
    try {
      const child = spawn(process.execPath, [CLI, 'promote', '--zk', zk.server.connect, '--broker-id', '9', '--session-timeout', '4000']);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const waiting = new Promise<void>((resolve) =>
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          if (stderr.includes('\n')) resolve();
        }),
      );
      const exited = once(child, 'exit');
      await Promise.race([waiting, exited]);
      assert.match(
        stderr,
        /^the old master meta:\/\/127\.0\.0\.1:\d+ does not answer: waiting for its ZooKeeper session to expire, at most 4000 ms \(the session timeout/,
      );
      await ghost.close(); // its session ends: the node goes, as on expiry
      const [code] = (await exited) as [number | null];
      assert.equal(code, 0, stderr);
      assert.doesNotMatch(stdout, /waiting/, 'stdout stays what scripts read');
      assert.match(stdout, new RegExp(`broker 9 is served by ${slave.url.replace(/\./g, '\\.')} from epoch \\d+`));
    } finally {
      await ghost.close();
      await slave.stop();
    }
  });
});
