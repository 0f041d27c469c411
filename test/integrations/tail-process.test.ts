import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, copyFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Broker } from '../../src/broker/broker.js';
import { MetaqClient } from '../../src/client/index.js';
import { CLI, tempDir } from '../support/broker-process.js';
import { eventually } from '../support/eventually.js';
import { startBroker } from '../support/in-process-broker.js';
import { readTopic } from '../support/read-topic.js';

const TOTAL = 6000;
const CHUNK = 100;
const BATCH = 100;

describe('metaq tail under load: rotation and kill -9 (tail4j)', { timeout: 120_000 }, () => {
  let broker: Broker;
  let client: MetaqClient;
  const agents: ChildProcess[] = [];

  before(async () => {
    broker = await startBroker();
    client = new MetaqClient({ serverUrl: broker.url });
  });
  after(async () => {
    for (const agent of agents) if (agent.exitCode === null) agent.kill('SIGKILL');
    await client.close();
    await broker.stop();
  });

  it('ships every line, with at most one batch repeated per kill, while files rotate both ways', async () => {
    const dir = tempDir('tail-load');
    const log = join(dir, 'app.log');
    writeFileSync(log, '');
    const start = (): ChildProcess => {
      const agent = spawn(
        process.execPath,
        [
          CLI,
          'tail',
          '--topic',
          'shipped',
          '--files',
          join(dir, 'app.log*'),
          '--checkpoint',
          join(dir, 'checkpoint.json'),
          '--port',
          String(broker.port),
          '--batch',
          String(BATCH),
          '--poll-ms',
          '20',
          '--quiet-ms',
          '200',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, METAQ_LOG_LEVEL: 'warn' } },
      );
      agent.stderr.resume();
      agents.push(agent);
      return agent;
    };
    const received = async (): Promise<string[]> => readTopic(client, 'shipped');
    let agent = start();
    let kills = 0;
    let rotations = 0;
    for (let written = 0; written < TOTAL; written += CHUNK) {
      appendFileSync(log, Array.from({ length: CHUNK }, (_, i) => `line ${String(written + i).padStart(6, '0')} ${'x'.repeat(40)}\n`).join(''));
      const done = written + CHUNK;
      if (done % 1000 === 0 && done < TOTAL) {
        rotations += 1;
        if (rotations % 2 === 1) {
          renameSync(log, `${log}.${rotations}`);
          writeFileSync(log, '');
        } else {
          copyFileSync(log, `${log}.${rotations}`);
          truncateSync(log, 0);
        }
      }
      if ([1500, 3500, 5000].includes(done)) {
        // Kill while it ships: once it has sent some of what is there, and before it caught up.
        const before = (await received()).length;
        await eventually(async () => (await received()).length > before, 'the agent shipping before the kill');
        const exited = new Promise((resolve) => agent.once('exit', resolve));
        agent.kill('SIGKILL');
        await exited;
        kills += 1;
        agent = start();
      }
    }
    await eventually(async () => new Set(await received()).size === TOTAL, 'every line shipped');
    const exited = new Promise<number | null>((resolve) => agent.once('exit', resolve));
    agent.kill('SIGTERM');
    assert.equal(await exited, 0, 'SIGTERM stops the agent cleanly');

    const lines = await received();
    const seen = new Map<string, number>();
    for (const line of lines) seen.set(line, (seen.get(line) ?? 0) + 1);
    const expected = Array.from({ length: TOTAL }, (_, n) => `line ${String(n).padStart(6, '0')} ${'x'.repeat(40)}`);
    assert.deepEqual(
      expected.filter((line) => !seen.has(line)),
      [],
      'no line lost',
    );
    const repeated = lines.length - seen.size;
    assert.ok(repeated <= kills * BATCH, `${repeated} lines sent twice: at most one batch (${BATCH}) per kill (${kills})`);
    assert.equal(kills, 3);
  });
  it('says in its log what it ships, and what it shipped when stopped, when not on a terminal', async () => {
    const dir = tempDir('tail-log');
    const log = join(dir, 'app.log');
    writeFileSync(log, 'one\ntwo\nthree\n');
    const agent = spawn(
      process.execPath,
      [
        CLI,
        'tail',
        '--topic',
        'logged',
        '--files',
        log,
        '--checkpoint',
        join(dir, 'checkpoint.json'),
        '--port',
        String(broker.port),
        '--poll-ms',
        '20',
        '--quiet-ms',
        '50',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    agents.push(agent);
    let stderr = '';
    agent.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await eventually(async () => (await readTopic(client, 'logged')).length === 3, 'the three lines shipped');
    const exited = new Promise<number | null>((resolve) => agent.once('exit', resolve));
    agent.kill('SIGTERM');
    assert.equal(await exited, 0);
    const lines = stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; topic?: string; shippedRecords?: number });
    assert.equal(lines.find((line) => line.msg === 'tail: shipping')?.topic, 'logged');
    assert.equal(lines.find((line) => line.msg === 'tail: stopped')?.shippedRecords, 3);
  });
});
