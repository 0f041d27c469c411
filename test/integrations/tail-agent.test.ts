import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultTailOptions, TailAgent } from '../../src/integrations/tail/tail-agent.js';
import type { TailOptions } from '../../src/integrations/tail/tail-agent.js';
import type { Broker } from '../../src/broker/broker.js';
import { NodeFileIO } from '../../src/broker/index.js';
import { keySelector, MetaqClient } from '../../src/client/index.js';
import type { OutgoingMessage, SendResult } from '../../src/client/index.js';
import { tempDir } from '../support/broker-process.js';
import { startBroker } from '../support/in-process-broker.js';
import { readTopic } from '../support/read-topic.js';
import { silentLogger } from '../support/storage-harness.js';

describe('metaq tail: the agent against a live broker', () => {
  let broker: Broker;
  let client: MetaqClient;

  before(async () => {
    broker = await startBroker();
    client = new MetaqClient({ serverUrl: broker.url });
  });
  after(async () => {
    await client.close();
    await broker.stop();
  });

  /** An agent on a fresh directory with a clock the test moves. */
  async function agentFor(
    topic: string,
    extra: Partial<TailOptions> = {},
  ): Promise<{ dir: string; agent: TailAgent; clock: { now: number }; reopen: () => Promise<TailAgent> }> {
    const dir = tempDir('tail');
    const clock = { now: 0 };
    const options: TailOptions = {
      ...defaultTailOptions,
      topic,
      files: [join(dir, 'app.log*')],
      checkpointPath: join(dir, 'checkpoint.json'),
      quietMs: 1000,
      ...extra,
    };
    const open = () => TailAgent.open(new NodeFileIO(), client.producer({ selector: keySelector() }), options, silentLogger, () => clock.now);
    return { dir, agent: await open(), clock, reopen: open };
  }

  it('ships each line once, each file in order, across rename rotation, copy-truncate and a restart', async () => {
    const { dir, agent, clock, reopen } = await agentFor('rotation');
    const log = join(dir, 'app.log');
    const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `line ${from + i}\n`).join('');
    writeFileSync(log, lines(0, 10));
    await agent.poll();
    appendFileSync(log, lines(10, 15));
    // Rename rotation: the agent reads the rest of app.log where it went, then the new app.log.
    renameSync(log, join(dir, 'app.log.1'));
    writeFileSync(log, lines(15, 20));
    await agent.poll();
    await agent.poll();
    // Copy-truncate: the copy appears (parked: same first bytes as app.log), then app.log is cut.
    appendFileSync(log, lines(20, 25));
    await agent.poll();
    appendFileSync(log, lines(25, 30));
    copyFileSync(log, join(dir, 'app.log.2'));
    await agent.poll();
    truncateSync(log, 0);
    appendFileSync(log, lines(30, 35));
    await agent.poll();
    await agent.poll();
    await agent.close();
    // A restart picks up from the checkpoint.
    appendFileSync(log, lines(35, 40));
    const again = await reopen();
    clock.now += 5000;
    await again.poll();
    await again.poll();
    await again.close();
    const got = (await readTopic(client, 'rotation')).map((line) => Number(line.split(' ')[1]));
    assert.deepEqual(
      [...got].sort((a, b) => a - b),
      Array.from({ length: 40 }, (_, i) => i),
      'every line exactly once',
    );
    // Each file's lines in order: the first app.log (0-14), the second (15-29, finished from its copy), the third (30-39).
    for (const [from, to] of [
      [0, 15],
      [15, 30],
      [30, 40],
    ] as const) {
      const run = got.filter((n) => n >= from && n < to);
      assert.deepEqual(
        run,
        [...run].sort((a, b) => a - b),
        `lines ${from}-${to - 1} in order`,
      );
    }
    const checkpoint = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as { files: Array<{ path: string; offset: number }> };
    assert.deepEqual(checkpoint.files.find((f) => f.path === log)?.offset, Buffer.byteLength(lines(30, 40)));
  });

  it('joins multi-line records by a start-of-record pattern, completing the last one when the file goes quiet', async () => {
    const { dir, agent, clock } = await agentFor('records', { startOfRecord: /^\[/ });
    const log = join(dir, 'app.log');
    writeFileSync(log, '[1] boom\n  at one\n  at two\n[2] fine\n');
    await agent.poll();
    assert.deepEqual(await readTopic(client, 'records'), ['[1] boom\n  at one\n  at two'], 'record 2 may still get continuation lines');
    appendFileSync(log, '  continued\n');
    await agent.poll();
    clock.now += 1000;
    await agent.poll();
    assert.deepEqual(await readTopic(client, 'records'), ['[1] boom\n  at one\n  at two', '[2] fine\n  continued']);
    await agent.close();
  });

  it('holds a batch until the broker takes it: nothing is read past it, and it is sent once it can be', async () => {
    const dir = tempDir('tail');
    const sent: string[] = [];
    let refuse = 2;
    const flaky = {
      send(message: OutgoingMessage): Promise<SendResult> {
        if (refuse > 0) {
          refuse -= 1;
          return Promise.reject(new Error('broker unavailable'));
        }
        sent.push(Buffer.from(message.data).toString());
        return Promise.resolve({ partition: { brokerId: 0, index: 0 }, offset: sent.length, id: BigInt(sent.length) });
      },
    };
    writeFileSync(join(dir, 'app.log'), 'a\nb\nc\n');
    const options: TailOptions = {
      ...defaultTailOptions,
      topic: 't',
      files: [join(dir, '*.log')],
      checkpointPath: join(dir, 'cp.json'),
      batchRecords: 2,
      ordered: true,
    };
    const agent = await TailAgent.open(new NodeFileIO(), flaky, options, silentLogger);
    assert.equal(await agent.poll(), 2);
    assert.deepEqual(sent, ['a', 'b'], 'the failed sends were retried in order, and only two records read');
    assert.equal(await agent.poll(), 1);
    assert.deepEqual(sent, ['a', 'b', 'c']);
    await agent.close();
  });

  it('refuses a corrupt checkpoint with what to do', async () => {
    const dir = tempDir('tail');
    writeFileSync(join(dir, 'cp.json'), '{ not json');
    const options: TailOptions = { ...defaultTailOptions, topic: 't', files: [join(dir, '*.log')], checkpointPath: join(dir, 'cp.json') };
    await assert.rejects(
      TailAgent.open(new NodeFileIO(), client.producer(), options, silentLogger),
      /checkpoint .*cp\.json is not valid JSON .*move it away to start over/,
    );
  });
});
