import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { MetaqClient, ZkSession } from '../../src/client/index.js';
import { readMove } from '../../src/coordination/zk/reassignments.js';
import { MetaZnodes } from '../../src/coordination/zk/znodes.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { CLI, killAllBrokers, startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';
import { eventually } from '../support/eventually.js';
import { LOCAL, NetnsLab } from '../support/netns.js';
import type { ZookeeperServer } from '../support/zookeeper-server.js';
import { startZookeeper } from '../support/zookeeper-server.js';
import { checkMove } from './move-history.js';
import type { MoveHistory } from './move-history.js';
import type { MoveLoad } from './move-load.js';
import { finishAfterMove, moveLoad, preload } from './move-load.js';

const run = promisify(execFile);
const TOPIC = 'hosts';
const SOURCE = 1;
const TARGET = 2;
const PRELOAD_MESSAGES = 1536; // 1.5 MiB on the moving partition: the throttled copy runs while the load goes on

// An online move between hosts with their own addresses (docs/testing.md): the target copies from
// the address the source registered, so a broker that advertised 127.0.0.1, or a copy link bound to
// loopback, would copy from itself or from nowhere; on one machine's loopback both would pass.
if (!NetnsLab.available()) it('an online move across hosts needs root and `ip netns`', { skip: true });
else
  describe('an online partition move across hosts with their own addresses', { timeout: 240_000 }, () => {
    let lab: NetnsLab | undefined;
    let zookeeper: ZookeeperServer | undefined;
    let zk: ZkSession | undefined;
    let client: MetaqClient | undefined;
    let load: MoveLoad | undefined;
    const via = (host: string) => (command: string, args: string[]) => lab!.spawnArgs(host, command, args);
    /** A broker on `host` with hostName left blank, in group commit (consumers see each put at once). */
    const broker = (host: string, brokerId: number, topics: Record<string, Record<string, number>>): Promise<BrokerProcess> => {
      const dir = tempDir(`move-hosts-${brokerId}`);
      const config = writeConfig(dir, { brokerId, dataPath: join(dir, 'data'), unflushThreshold: 0 }, topics, {
        'zk.zkConnect': zookeeper!.connect,
        'zk.zkSessionTimeoutMs': 4000,
        'zk.zkSyncTimeMs': 10,
      });
      return startBrokerProcess(config, { spawnVia: via(host) });
    };
    /** `metaq reassign ...` as an operator on the clients' host runs it. */
    const reassign = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
      try {
        const { stdout, stderr } = await run(process.execPath, [CLI, 'reassign', ...args, '--zk', zookeeper!.connect]);
        return { code: 0, stdout, stderr };
      } catch (error) {
        const failed = error as { code: number; stdout: string; stderr: string };
        return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
      }
    };

    before(async () => {
      lab = NetnsLab.create([LOCAL, 'zk', 'source', 'target']);
      zookeeper = await startZookeeper({ spawnVia: via('zk'), address: lab.address('zk') });
      zk = await ZkSession.open({ connect: zookeeper.connect, sessionTimeoutMs: 4000, connectionTimeoutMs: 10_000 });
    });
    // Every step even when one before it fails: no process or namespace outlives the file.
    after(async () => {
      const steps = [() => load?.killAll(), () => client?.close(), () => killAllBrokers(), () => zk?.close(), () => zookeeper?.stop(), () => lab?.destroy()];
      for (const step of steps)
        await Promise.resolve()
          .then(step)
          .catch((error: unknown) => console.error('cleanup:', error));
    });

    it("moves a partition from one host to another under load with `metaq reassign`: the target copies from the source's address; nothing acked lost, misplaced, duplicated or out of order", async () => {
      const source = await broker('source', SOURCE, { [TOPIC]: { numPartitions: 2 } });
      const target = await broker('target', TARGET, { other: { numPartitions: 1 } });
      const sourceUrl = `meta://${lab!.address('source')}:${source.port}`;
      assert.equal(await zk!.getData(`/meta/brokers/ids/${SOURCE}/master`), sourceUrl, "the source registered its host's address");
      assert.equal(
        await zk!.getData(`/meta/brokers/ids/${TARGET}/master`),
        `meta://${lab!.address('target')}:${target.port}`,
        "the target registered its host's address",
      );

      const moving = `${SOURCE}-1`;
      const history: MoveHistory = { events: [], preloaded: [], moved: { from: moving, to: `${TARGET}-0` }, committedAtKill: undefined };
      client = new MetaqClient({ zkConnect: zookeeper!.connect, zkSessionTimeoutMs: 4000 });
      history.preloaded.push(...(await preload(client, TOPIC, moving, PRELOAD_MESSAGES)));
      assert.ok(
        history.preloaded.every((sent) => sent.partition === moving),
        'the preload is on the moving partition',
      );

      load = moveLoad({ zkConnect: zookeeper!.connect, topic: TOPIC });
      const { events } = load;
      const producer = await load.start('c1');
      await eventually(
        () => events().filter((e) => e.kind === 'delivered').length > 100 && events().some((e) => e.kind === 'acked' && e.partition === moving),
        'the client sends to the moving partition and consumes',
      );

      const plan = await reassign('--plan', '--move', `${TOPIC}:${SOURCE}:1:${TARGET}`);
      assert.equal(plan.code, 0, plan.stderr);
      assert.deepEqual((JSON.parse(plan.stdout) as { moves: unknown[] }).moves, [
        { topic: TOPIC, source: { broker: SOURCE, partition: 1 }, target: { broker: TARGET, partition: 0 } },
      ]);
      const file = join(tempDir('move-hosts-plan'), 'plan.json');
      writeFileSync(file, plan.stdout);
      const executed = await reassign('--execute', file, '--throttle', '1MiB', '--wait', '--timeout-ms', '60000');
      const moveLogs = () => JSON.stringify([...source.logs, ...target.logs].filter((line) => line.component === 'moves' || Number(line.level) >= 40));
      assert.equal(executed.code, 0, `${executed.stdout}\n${executed.stderr}\n${moveLogs()}`);
      const move = await readMove(zk!, new MetaZnodes(), { topic: TOPIC, source: { broker: SOURCE, partition: 1 } });
      assert.equal(move?.state, 'done', `the move is done: ${JSON.stringify(move)}`);

      const copying = target.logs.find((line) => line.msg === 'copying a partition moved here');
      assert.equal(copying?.from, sourceUrl, "the target copied from the source's registered address");
      assert.equal(copying?.partition, `${TARGET}-0`);
      // The client logs each event with its time (`at`); brokers log theirs (`time`), on the same clock.
      const fenced = Number(source.logs.find((line) => line.msg === 'source fenced: no more puts here')?.time);
      const duringCopy = events().filter((e) => {
        const at = (e as { at?: number }).at ?? 0;
        return e.kind === 'acked' && e.partition === moving && at > Number(copying.time) && at < fenced;
      });
      assert.ok(duringCopy.length > 0, `the source took puts while the target copied: ${moveLogs()}`);
      assert.equal(
        await zk!.getData(`/meta/brokers/topics-pub/${TOPIC}/${TARGET}-m`),
        `{"numParts":1,"broker":"${TARGET}-m"}`,
        'the target registers the moved partition',
      );

      await finishAfterMove(load, producer, history);
      const verdict = checkMove(history);
      console.log(`move across hosts: ${verdict.acked} acked`);
      assert.deepEqual(verdict.lost, [], 'nothing acked lost');
      assert.deepEqual(verdict.misplaced, [], 'every message at the partition and offset its producer was told');
      assert.deepEqual(verdict.duplicates, [], 'nothing delivered twice');
      assert.deepEqual(verdict.ackOrder, [], "the producer's order kept in the moved partition");
      assert.deepEqual(verdict.deliveryOrder, [], 'each consumer reads a partition in order');
      assert.equal(verdict.redelivered, 0, 'no consumer died, so nothing is redelivered');
      const moved = history.events.flatMap((e) => (e.kind === 'acked' && e.partition === history.moved.to ? [e.data] : []));
      assert.ok(moved.length >= 50, 'sends after the move reached the new partition on the target');
      assert.ok(
        history.events.some((e) => e.kind === 'delivered' && e.partition === history.moved.to && e.data === moved.at(-1)),
        'the group read them from the target',
      );
    });
  });
