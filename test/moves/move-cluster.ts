import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Broker } from '../../src/broker/broker.js';
import { parseBrokerConfig } from '../../src/broker/config/broker-config.js';
import { planMoves, readLayout } from '../../src/cli/reassign-plan.js';
import type { PlanRequest } from '../../src/cli/reassign-plan.js';
import { executeReassignment } from '../../src/cli/reassign-command.js';
import type { ZkSession } from '../../src/coordination/zk/zk-session.js';
import { MetaZnodes } from '../../src/coordination/zk/znodes.js';
import { readMoves } from '../../src/coordination/zk/reassignments.js';
import { tempDir } from '../support/broker-process.js';
import { eventually } from '../support/eventually.js';
import { silentLogger } from '../support/storage-harness.js';

/** A cluster-mode broker in this process, from a server.ini on disk (topic changes rewrite it). */
export async function movingBroker(zkConnect: string, brokerId: number, topics: Record<string, number>): Promise<{ broker: Broker; file: string }> {
  const dir = tempDir(`move-${brokerId}`);
  const sections = Object.entries(topics)
    .map(([topic, n]) => `[topic=${topic}]\nnumPartitions=${n}\n`)
    .join('');
  const text = `[system]\nbrokerId=${brokerId}\nserverPort=0\nunflushThreshold=0\ndataPath=${join(dir, 'data')}\n[zookeeper]\nzk.zkConnect=${zkConnect}\nzk.zkSessionTimeoutMs=4000\nzk.zkSyncTimeMs=10\n${sections}`;
  const file = join(dir, 'server.ini');
  writeFileSync(file, text);
  const broker = await Broker.start({ config: parseBrokerConfig(text, file), logger: silentLogger, host: '127.0.0.1' });
  return { broker, file };
}

/** Plan and record moves as `metaq reassign --plan` then `--execute` would. */
export async function reassign(session: ZkSession, zkConnect: string, request: PlanRequest, throttle = 0): Promise<void> {
  const moves = planMoves(await readLayout(session, new MetaZnodes()), request);
  const sink = { write: () => true } as unknown as NodeJS.WritableStream;
  await executeReassignment(zkConnect, '/meta', { version: 1, moves }, throttle, sink);
}

/** Wait until every recorded move reached `state` (or done). */
export async function movesReach(session: ZkSession, state: 'switched' | 'done', rounds = 4): Promise<void> {
  // eventually() gives up after 15 s; a throttled copy may take a few of those.
  for (let round = 1; ; round += 1) {
    try {
      return await eventually(async () => {
        const moves = await readMoves(session, new MetaZnodes());
        return moves.length > 0 && moves.every((m) => m.state === state || m.state === 'done');
      }, `every move ${state}`);
    } catch (error) {
      if (round === rounds) throw new Error(`${(error as Error).message}: ${JSON.stringify(await readMoves(session, new MetaZnodes()))}`, { cause: error });
    }
  }
}
