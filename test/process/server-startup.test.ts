import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CLI, tempDir, writeConfig } from '../support/broker-process.js';
import { eventually } from '../support/eventually.js';

/** `metaq server` with its stdout and stderr kept apart, as a terminal or a log shipper sees them. */
function runServer(system: Record<string, string | number>, httpPort = 0) {
  const dir = tempDir('startup');
  const config = writeConfig(dir, { dataPath: join(dir, 'data'), ...system });
  const child = spawn(process.execPath, [CLI, 'server', '--config', config, '--port', '0', '--http-port', String(httpPort)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, METAQ_LOG_LEVEL: 'info' },
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (out.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out.stderr += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const httpUrl = async (): Promise<string> => {
    await eventually(() => /^metrics \S+\/metrics$/m.test(out.stderr), 'the server printing its metrics address');
    return /^metrics (\S+)\/metrics$/m.exec(out.stderr)![1]!;
  };
  const logLines = () =>
    out.stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { child, out, exited, httpUrl, logLines };
}

describe('metaq server start-up and stop', () => {
  it('prints its banners on stderr, only JSON log lines on stdout, and answers /healthz and /readyz without a token', { timeout: 30_000 }, async () => {
    const server = runServer({});
    try {
      const url = await server.httpUrl();
      assert.match(server.out.stderr, /^metaq broker listening on meta:\/\/127\.0\.0\.1:\d+, data in /m);
      assert.match(server.out.stderr, /^console http:\/\/\S+\/#token=/m);
      await eventually(() => server.logLines().some((line) => line.msg === 'broker started'), 'the started log line');
      const started = server.logLines().find((line) => line.msg === 'broker started')!;
      assert.equal(started.http, url, 'started is logged with the HTTP side up');
      assert.doesNotMatch(server.out.stdout, /listening on|^console |^metrics /m);

      const health = await fetch(`${url}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      const ready = await fetch(`${url}/readyz`);
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { status: 'ready' });
      assert.equal((await fetch(`${url}/api/broker`)).status, 401, 'the admin API still asks for its token');

      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0);
      assert.ok(server.logLines().length > 0, 'every stdout line parsed as JSON');
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('with its HTTP port taken, announces nothing and exits non-zero saying why', { timeout: 30_000 }, async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const server = runServer({}, (taken.address() as AddressInfo).port);
      const code = await server.exited;
      assert.notEqual(code, 0);
      assert.match(server.out.stderr, /the HTTP server could not listen .*EADDRINUSE/);
      assert.doesNotMatch(server.out.stderr, /listening on|^console |^metrics /m);
      assert.ok(!server.logLines().some((line) => line.msg === 'broker started'), 'no started log line');
    } finally {
      taken.close();
    }
  });

  it('exits 1 when the graceful stop outlasts shutdownTimeoutMs', { timeout: 30_000 }, async () => {
    const server = runServer({ shutdownTimeoutMs: 300 });
    try {
      const url = new URL(await server.httpUrl());
      // A request whose body never comes holds the HTTP side's close open; 100 Continue shows it arrived.
      const held = connect(Number(url.port), url.hostname);
      let answer = '';
      held.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      held.write(`POST /put HTTP/1.1\r\nHost: ${url.host}\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n`);
      await eventually(() => answer.includes('100 Continue'), 'the server reading the held request');

      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 1);
      const deadline = server.logLines().find((line) => line.shutdownTimeoutMs === 300);
      assert.ok(deadline, `the deadline is logged: ${server.out.stdout}`);
      assert.equal(deadline.level, 50);
      held.destroy();
    } finally {
      server.child.kill('SIGKILL');
    }
  });
});
