import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { Broker } from '../../src/broker/broker.js';
import { parseBrokerConfig } from '../../src/broker/config/broker-config.js';
import { stateDirectory } from '../../src/broker/state-directory.js';
import { checksum } from '../../src/common/checksum.js';
import { tempDir } from '../support/broker-process.js';
import { scanPartition, WireSession } from '../support/wire-client.js';
import { txCommand, xaKey } from '../support/wire-transactions.js';

/*
 * A Java MetaQ 1.4.6 broker's <dataPath>/transactions, written byte for byte by this test with its
 * own protobuf encoding (not metaq's codec): redo.1 holds a local transaction that was rolled back,
 * then an XA transaction that was prepared; the checkpoint files are what Java's Checkpoint class
 * leaves (docs/transactions.md).
 */

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let v = value;
  while (v >= 0x80) {
    bytes.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}
const field = (id: number, wire: number): Buffer => varint((id << 3) | wire);
const bytesField = (id: number, data: Buffer): Buffer => Buffer.concat([field(id, 2), varint(data.length), data]);
const varintField = (id: number, value: number): Buffer => Buffer.concat([field(id, 0), varint(value)]);

/** `int32 L` + TxCommand{cmdType, cmd_content, force}. */
function record(cmdType: 1 | 2, content: Buffer, force: boolean): Buffer {
  const command = Buffer.concat([varintField(1, cmdType), bytesField(2, content), ...(force ? [varintField(3, 1)] : [])]);
  const head = Buffer.alloc(4);
  head.writeInt32BE(command.length);
  return Buffer.concat([head, command]);
}

/** APPEND_MSG: AppendMessageCommand{message_id, put_command = the exact put frame the Java client sent}. */
function appendMessage(messageId: number, txKey: string, payload: string): Buffer {
  const body = Buffer.from(payload);
  const frame = Buffer.concat([Buffer.from(`put orders 0 ${body.length} 0 ${checksum(body)} ${txKey} 7\r\n`), body]);
  return record(1, Buffer.concat([varintField(1, messageId), bytesField(2, frame)]), false);
}

/** TX_OP: TransactionOperation{type, was_prepared, transaction_id}. */
function operation(type: number, wasPrepared: boolean, txKey: string, force: boolean): Buffer {
  return record(2, Buffer.concat([varintField(1, type), varintField(2, wasPrepared ? 1 : 0), bytesField(3, Buffer.from(txKey))]), force);
}

const XA_PREPARE = 1;
const LOCAL_ROLLBACK = 5;

/** The journal, and where the XA transaction's first record starts (what Java checkpoints). */
function javaJournal(key: string): { redo: Buffer; xaStart: number } {
  const before = Buffer.concat([appendMessage(1001, 'TX:s:1', 'rolled-back'), operation(LOCAL_ROLLBACK, false, 'TX:s:1', true)]);
  const xa = Buffer.concat([appendMessage(1002, key, 'xa-1'), appendMessage(1003, key, 'xa-2'), operation(XA_PREPARE, false, key, true)]);
  return { redo: Buffer.concat([before, xa]), xaStart: before.length };
}

async function startOn(dataPath: string, lines: string[]): Promise<Broker> {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const config = parseBrokerConfig(`[system]\ndataPath=${dataPath}\nserverPort=0\nunflushThreshold=0\nnumPartitions=1\n[topic=orders]\n`, 'java.ini');
  return Broker.start({ config, logger: pino({ level: 'warn' }, sink), host: '127.0.0.1' });
}

describe('taking over a Java MetaQ broker with a prepared XA transaction', { timeout: 60_000 }, () => {
  // Java's Checkpoint: an empty checkpoint.1 from a start with none (written only every checkpointInterval),
  // or JSON {"number":N,"offset":M} naming the oldest open transaction's first record.
  for (const layout of ['checkpoint JSON', 'empty checkpoint.1', 'JSON then an empty newer checkpoint'] as const) {
    it(`recovers it with ${layout}: RECOVER lists it, COMMIT delivers it`, async () => {
      const dataPath = tempDir('java-tx');
      const dir = join(dataPath, 'transactions');
      mkdirSync(dir, { recursive: true });
      const key = xaKey('java-branch', 'app');
      const { redo, xaStart } = javaJournal(key);
      writeFileSync(join(dir, 'redo.1'), redo);
      if (layout === 'empty checkpoint.1') writeFileSync(join(dir, 'checkpoint.1'), '');
      else writeFileSync(join(dir, 'checkpoint.1'), `{"number":1,"offset":${xaStart}}`);
      if (layout === 'JSON then an empty newer checkpoint') writeFileSync(join(dir, 'checkpoint.2'), '');
      const warnings: string[] = [];
      const broker = await startOn(dataPath, warnings);
      const session = await WireSession.open('127.0.0.1', broker.port);
      try {
        assert.deepEqual(
          warnings.filter((line) => line.includes('checkpoint')),
          [],
          'no checkpoint is reported unreadable',
        );
        assert.deepEqual(await txCommand(session, 'null', 'RECOVER'), { code: 200, text: key });
        assert.deepEqual(
          broker.transactions.list().map((tx) => `${tx.key} ${tx.state}`),
          [`${key} PREPARED`],
        );
        assert.deepEqual(await scanPartition(session, 'orders', 0), []);
        assert.deepEqual(await txCommand(session, key, 'COMMIT_TWO_PHASE'), { code: 200, text: '0' });
        assert.deepEqual(
          (await scanPartition(session, 'orders', 0)).map((r) => r.payload),
          ['xa-1', 'xa-2'],
        );
      } finally {
        await session.close();
        await broker.stop();
      }
      // The journal moved beside the data directory (docs/storage.md); its checkpoints are still
      // what Java's Checkpoint reads: JSON {"number","offset"} files.
      const moved = join(stateDirectory(dataPath), 'transactions');
      assert.ok(!existsSync(dir), 'the Java journal left the data directory');
      for (const name of readdirSync(moved).filter((n) => n.startsWith('checkpoint.'))) {
        const text = readFileSync(join(moved, name), 'utf8');
        if (text !== '') assert.match(text, /^\{"number":\d+,"offset":\d+\}$/, name);
      }
    });
  }
});
