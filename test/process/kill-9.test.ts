import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ReadRecord } from '../support/history-checker.js';
import { checkHistory, isClean, summarize } from '../support/history-checker.js';
import { killAllBrokers, startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';
import type { PutHistory } from '../support/pipelined-puts.js';
import { runPipelinedPuts } from '../support/pipelined-puts.js';
import { scanPartition, WireSession } from '../support/wire-client.js';

const TOTAL = 10_000;
const PRODUCERS = 4;
const PARTITIONS = 4;
const WINDOW = 32;

/**
 * K1: 4 producers pipeline puts over 4 partitions; the broker is SIGKILLed once a random share
 * (10-90 %) of the 10k puts is acked; after restart a full scan must hold every acked put.
 */
async function killDuringWrites(system: Record<string, string | number>, volatile: boolean) {
  const dir = tempDir('k1');
  const config = writeConfig(dir, { dataPath: `${dir}/data`, numPartitions: PARTITIONS, ...system });
  const broker = await startBrokerProcess(config, { volatile });
  const killAt = Math.floor(TOTAL * (0.1 + Math.random() * 0.8));
  const history: PutHistory = { acked: [], attempted: new Set() };
  let killed: Promise<unknown> | undefined;
  const onAck = ({ acked }: PutHistory): void => void (acked.length >= killAt && (killed ??= broker.kill('SIGKILL')));
  await runPipelinedPuts(
    {
      port: broker.port,
      topic: 'k1',
      producers: PRODUCERS,
      partitions: PARTITIONS,
      window: WINDOW,
      perProducer: TOTAL / PRODUCERS,
      nextSeq: [],
      stopped: () => killed !== undefined,
      onAck,
    },
    history,
  );
  await (killed ?? broker.kill('SIGKILL'));
  const snapshot = [...history.acked];
  const restarted = await startBrokerProcess(config, { volatile });
  const session = await WireSession.open('127.0.0.1', restarted.port);
  const reads: ReadRecord[] = [];
  for (let p = 0; p < PARTITIONS; p += 1) reads.push(...(await scanPartition(session, 'k1', p)));
  await session.close();
  await restarted.kill('SIGTERM');
  const recovery = restarted.logs.find((l) => l.msg === 'partition stores loaded');
  const verdict = checkHistory(snapshot, reads, { attempted: history.attempted });
  console.log(
    `# K1 ${volatile ? 'power-cut' : 'kill -9'} unflushThreshold=${system.unflushThreshold}: killed at ${killAt} acks, ${snapshot.length} acked, ${reads.length} read back, recovery ${String(recovery?.recoveryMillis)} ms; ${summarize(verdict)}`,
  );
  return { verdict, acked: snapshot.length, killAt };
}

describe('K1 kill -9 during acked group-commit writes (real broker process)', () => {
  after(killAllBrokers);

  it('every acked message is readable after restart at its offset, in order, with a good CRC', async () => {
    const { verdict, acked, killAt } = await killDuringWrites({ unflushThreshold: 0 }, false);
    assert.ok(acked >= killAt);
    assert.ok(isClean(verdict), summarize(verdict));
  });

  it('with unsynced writes lost on kill (simulated power cut), group commit still loses nothing acked', async () => {
    const { verdict } = await killDuringWrites({ unflushThreshold: 0 }, true);
    assert.ok(isClean(verdict), summarize(verdict));
  });

  it('negative control: fsync skipped (unflushThreshold=1000) under a simulated power cut is caught', async () => {
    const { verdict } = await killDuringWrites({ unflushThreshold: 1000, unflushInterval: 600000 }, true);
    assert.ok(verdict.lost.length > 0, `the checker must report lost acked messages: ${summarize(verdict)}`);
  });
});
