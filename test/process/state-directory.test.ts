import assert from 'node:assert/strict';
import { existsSync, readdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { Broker } from '../../src/broker/broker.js';
import { parseBrokerConfig } from '../../src/broker/config/broker-config.js';
import { stateDirectory } from '../../src/broker/state-directory.js';
import { MetaqClient } from '../../src/client/index.js';
import { tempDir } from '../support/broker-process.js';

/** What a Java MetaQ loader expects in a data directory: `<topic>-<partition>` directories, nothing else. */
function javaUnexpected(dataPath: string): string[] {
  return readdirSync(dataPath).filter((name) => !(/^.+-\d+$/.test(name) && statSync(join(dataPath, name)).isDirectory()));
}

async function start(dataPath: string, lines: string[] = []): Promise<Broker> {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const config = parseBrokerConfig(
    `[system]\ndataPath=${dataPath}\nserverPort=0\nunflushThreshold=0\ntrace=true\n[topic=orders]\nnumPartitions=2\n`,
    'state.ini',
  );
  return Broker.start({ config, logger: pino({ level: 'info' }, sink), host: '127.0.0.1' });
}

describe("metaq's own state lives beside the data directory", { timeout: 60_000 }, () => {
  it('a data directory laid out by an earlier version is moved at start, keeping the schedule; the data directory then holds only partitions', async () => {
    const dataPath = join(tempDir('state'), 'meta');
    let broker = await start(dataPath);
    const client = new MetaqClient({ serverUrl: broker.url, partitions: { orders: 2 } });
    await client.producer().send({ topic: 'orders', data: 'now' });
    await client.producer().schedule({ topic: 'orders', data: 'later' }, { delayMs: 3_600_000 });
    await client.close();
    assert.equal(broker.delayed.pending, 1);
    await broker.stop();
    const state = stateDirectory(dataPath);
    assert.equal(state, `${dataPath}.metaq`);
    assert.deepEqual(javaUnexpected(dataPath), [], 'a fresh broker leaves nothing a Java loader would count');

    // The layout of earlier versions: .delayed and .trace inside the data directory.
    renameSync(join(state, '.delayed'), join(dataPath, '.delayed'));
    renameSync(join(state, '.trace'), join(dataPath, '.trace'));
    renameSync(join(state, 'transactions'), join(dataPath, 'transactions'));
    assert.deepEqual(javaUnexpected(dataPath).sort(), ['.delayed', '.trace', 'transactions']);

    const lines: string[] = [];
    broker = await start(dataPath, lines);
    try {
      assert.equal(broker.delayed.pending, 1, 'the scheduled message moved with its directory');
      assert.deepEqual(javaUnexpected(dataPath), ['.metaq-broker.pid'], 'while running: partitions and the pid mark only');
      for (const name of ['.delayed', '.trace', 'transactions']) assert.ok(existsSync(join(state, name)), name);
      assert.equal(lines.filter((line) => line.includes('metaq state moved out of the data directory')).length, 3, 'each move is logged');
    } finally {
      await broker.stop();
    }
    assert.deepEqual(javaUnexpected(dataPath), [], 'after stop: only partition directories');
  });
});
