import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Broker } from '../../src/broker/broker.js';
import { MemoryOffsetStorage, MetaqClient } from '../../src/client/index.js';
import type { Logger } from '../../src/client/index.js';
import { eventually } from '../support/eventually.js';
import { startBroker } from '../support/in-process-broker.js';

interface LogRecord {
  level: string;
  fields: Record<string, unknown>;
  message: string | undefined;
}

/** A logger that keeps every record, with the fields of its children merged in. */
function recordingLogger(records: LogRecord[], bindings: Record<string, unknown> = {}): Logger {
  const at =
    (level: string) =>
    (fields: object, message?: string): void => {
      records.push({ level, fields: { ...bindings, ...fields }, message });
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => recordingLogger(records, { ...bindings, ...more }),
  };
}

describe('client logger', { timeout: 60_000 }, () => {
  let broker: Broker;

  before(async () => {
    broker = await startBroker({ numPartitions: 1 });
  });
  after(async () => {
    await broker.stop();
  });

  it("takes the application's logger, for the client and for the consumers it creates", async () => {
    const records: LogRecord[] = [];
    const client = new MetaqClient({ serverUrl: broker.url, logger: recordingLogger(records) });
    try {
      await client.producer().send({ topic: 'logged', data: 'poison' });
      assert.ok(records.some((r) => r.message === 'connecting to a broker' && r.fields.broker === broker.url));
      const consumer = client
        .consumer({ group: 'logging', offsetStorage: new MemoryOffsetStorage(), onReject: 'drop', maxFetchRetries: 0, maxDelayFetchMs: 20 })
        .subscribe('logged');
      await consumer.run(() => {
        throw new Error('cannot handle this one');
      });
      await eventually(() => records.some((r) => r.level === 'warn' && /dropped/.test(r.message ?? '')), 'a warning about the dropped message');
      const warning = records.find((r) => r.level === 'warn' && /dropped/.test(r.message ?? ''))!;
      assert.equal(warning.fields.group, 'logging');
      assert.equal(warning.fields.topic, 'logged');
      await consumer.close();
    } finally {
      await client.close();
    }
  });

  it("writes nothing to the application's stdout by default: warnings go to stderr", () => {
    const module = (path: string): string => pathToFileURL(new URL(path, import.meta.url).pathname).href;
    // The same dropped message in a process of its own, with no logger given: the second call means the first was dropped.
    const script = `
      import { MetaqClient, MemoryOffsetStorage } from ${JSON.stringify(module('../../src/client/index.js'))};
      import { startBroker } from ${JSON.stringify(module('../support/in-process-broker.js'))};
      const broker = await startBroker({ numPartitions: 1 });
      const client = new MetaqClient({ serverUrl: broker.url });
      await client.producer().sendBatch([{ topic: 'logged', data: 'poison' }, { topic: 'logged', data: 'after' }]);
      let dropped;
      const done = new Promise((resolve) => (dropped = resolve));
      const consumer = client.consumer({ group: 'quiet', offsetStorage: new MemoryOffsetStorage(), onReject: 'drop', maxFetchRetries: 0, maxDelayFetchMs: 20 }).subscribe('logged');
      let calls = 0;
      await consumer.run(() => { calls += 1; if (calls === 2) setImmediate(dropped); throw new Error('cannot handle this one'); });
      await done;
      await client.close();
      await broker.stop();
    `;
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.METAQ_LOG_LEVEL;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env, timeout: 30_000 });
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout, '');
    assert.match(child.stderr, /dropped \(onReject: drop\)/);
  });
});
