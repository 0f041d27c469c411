import assert from 'node:assert/strict';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import type { Broker } from '../../src/broker/broker.js';
import { MetaqClient } from '../../src/client/index.js';
import { tempDir } from '../support/broker-process.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { startBroker } from '../support/in-process-broker.js';
import { readTopic } from '../support/read-topic.js';

const TARGET = join(fileURLToPath(new URL('.', import.meta.url)), '../../src/integrations/pino/metaq-transport.js');

/** A pino logger whose transport (a worker thread) ships to metaq; `end` waits for the worker to close. */
function metaqLogger(options: Record<string, unknown>): { logger: pino.Logger; end: () => Promise<void> } {
  const transport = pino.transport({ target: TARGET, options });
  const logger = pino({ base: { app: 'shop' } }, transport);
  return {
    logger,
    end: async () => {
      const closed = once(transport, 'close');
      transport.end();
      await closed;
    },
  };
}

describe('pino transport to metaq (the log appender)', () => {
  const brokers: Broker[] = [];
  const clients: MetaqClient[] = [];
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(brokers.map((b) => b.stop()));
  });

  it('ships every log record to the topic as its JSON line', async () => {
    const broker = await startBroker();
    brokers.push(broker);
    const client = new MetaqClient({ serverUrl: broker.url });
    clients.push(client);
    const { logger, end } = metaqLogger({ topic: 'app-logs', serverUrl: broker.url, localDir: tempDir('spill') });
    for (let i = 0; i < 500; i += 1) logger.info({ order: i }, 'order placed');
    logger.error(new Error('card declined'), 'payment failed');
    await eventually(async () => (await readTopic(client, 'app-logs')).length === 501, 'every record on the topic');
    await end();
    const records = (await readTopic(client, 'app-logs')).map(
      (line) => JSON.parse(line) as { msg: string; order?: number; app: string; level: number; err?: { message: string } },
    );
    assert.deepEqual(
      records.slice(0, 500).map((r) => r.order),
      Array.from({ length: 500 }, (_, i) => i),
      "one process's records in order",
    );
    assert.equal(records[0]!.app, 'shop');
    assert.equal(records[500]!.msg, 'payment failed');
    assert.equal(records[500]!.err?.message, 'card declined');
  });

  it('keeps logging while the broker is down and delivers what was logged once it is up', async () => {
    const port = await freePort();
    const { logger, end } = metaqLogger({ topic: 'outage', serverUrl: `meta://127.0.0.1:${port}`, localDir: tempDir('spill'), resendIntervalMs: 100 });
    for (let i = 0; i < 50; i += 1) logger.warn({ i }, 'broker unreachable');
    // The calls above returned: pino hands lines to the worker, and the worker spills to disk.
    const broker = await startBroker({ serverPort: port });
    brokers.push(broker);
    const client = new MetaqClient({ serverUrl: broker.url });
    clients.push(client);
    await eventually(async () => (await readTopic(client, 'outage')).length === 50, 'the spilled records resent once the broker is up');
    await end();
    assert.deepEqual(new Set((await readTopic(client, 'outage')).map((line) => (JSON.parse(line) as { i: number }).i)).size, 50);
  });

  it('refuses options it cannot use, naming what is missing', async () => {
    const { default: metaqTransport } = await import('../../src/integrations/pino/metaq-transport.js');
    assert.throws(() => metaqTransport({ topic: '' }), /needs options.topic/);
    assert.throws(() => metaqTransport({ topic: 'logs' }), /needs options.serverUrl .* or options.zkConnect/);
  });
});
