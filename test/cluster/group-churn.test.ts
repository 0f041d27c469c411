import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MetaqClient } from '../../src/client/index.js';
import { killAllBrokers, startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';
import { eventually } from '../support/eventually.js';
import { readEventLog } from '../support/event-log.js';
import { backgroundSends } from '../support/background-sends.js';
import type { GroupMemberSettings } from '../support/group-member.js';
import type { GroupEvent } from '../support/ownership-checker.js';
import { checkGroup } from '../support/ownership-checker.js';
import { zookeeperForSuite } from '../support/suite-zookeeper.js';

const MEMBER = fileURLToPath(new URL('../support/group-member.js', import.meta.url));
const ROUNDS = 6;
const PARTITIONS = 6;

interface Member {
  id: string;
  child: ChildProcess;
  exited: Promise<unknown>;
}

describe('K8: group rebalance under churn (3 consumers, one killed and restarted per round)', { timeout: 150_000 }, () => {
  const zookeeper = zookeeperForSuite({ cleanup: killAllBrokers });

  it('no partition has two live owners, nothing acked is lost, duplicates only at handovers', async () => {
    const dir = tempDir('k8');
    const config = writeConfig(
      dir,
      { brokerId: 1, dataPath: join(dir, 'data'), unflushThreshold: 0 },
      { churn: { numPartitions: PARTITIONS } },
      { 'zk.zkConnect': zookeeper.connect, 'zk.zkSyncTimeMs': 10 },
    );
    const broker = await startBrokerProcess(config);
    const eventsDir = tempDir('k8-events');
    const members: Member[] = [];
    const died: GroupEvent[] = [];
    const start = async (slot: number, incarnation: number): Promise<Member> => {
      const id = `m${slot}.${incarnation}`;
      const settings: GroupMemberSettings = {
        zkConnect: zookeeper.connect,
        group: 'churners',
        topic: 'churn',
        consumerId: id,
        eventsFile: join(eventsDir, `${id}.jsonl`),
        sessionTimeoutMs: 1000,
      };
      const child = spawn(process.execPath, [MEMBER, JSON.stringify(settings)], { stdio: ['pipe', 'pipe', 'inherit'] });
      const exited = once(child, 'exit');
      await once(child.stdout, 'data');
      return { id, child, exited };
    };
    const events = (): GroupEvent[] => [...died, ...readdirSync(eventsDir).flatMap((file) => readEventLog(join(eventsDir, file)))];
    const deliveredBy = (id: string): number => events().filter((e) => e.kind === 'delivered' && e.who === id).length;
    const ownedBy = (id: string): number => {
      const owned = new Set<string>();
      for (const e of events()) {
        if (e.who !== id) continue;
        if (e.kind === 'assigned') owned.add(e.partition);
        else if (e.kind === 'revoked') owned.delete(e.partition);
      }
      return owned.size;
    };

    const client = new MetaqClient({ zkConnect: zookeeper.connect, zkSessionTimeoutMs: 4000 });
    const producer = client.producer();
    const load = backgroundSends(producer, 'churn', 'k8', 1_000_000);

    try {
      for (let slot = 0; slot < 3; slot += 1) members.push(await start(slot, 0));
      for (let round = 1; round <= ROUNDS; round += 1) {
        // Churn only a settled group: every member owns its two partitions and is delivering.
        await eventually(() => members.every((m) => ownedBy(m.id) === PARTITIONS / 3), `round ${round}: the group settles`);
        const victim = members[round % 3]!;
        const seen = deliveredBy(victim.id);
        await eventually(() => deliveredBy(victim.id) > seen, `round ${round}: ${victim.id} delivers under load`);
        victim.child.kill('SIGKILL');
        await victim.exited;
        died.push({ kind: 'died', who: victim.id, at: Date.now() });
        members[round % 3] = await start(round % 3, round);
      }
      await eventually(() => members.every((m) => ownedBy(m.id) === PARTITIONS / 3), 'the group settles after the last restart');
      await load.stop();
      const delivered = () => new Set(events().flatMap((e) => (e.kind === 'delivered' ? [e.data] : [])));
      await eventually(() => {
        const now = delivered();
        return load.acked().every((data) => now.has(data));
      }, 'every acked message delivered');
      for (const member of members) member.child.kill('SIGTERM');
      await Promise.all(members.map((m) => m.exited));
    } finally {
      await load.stop();
      for (const member of members) member.child.kill('SIGKILL');
      await client.close();
      await broker.kill('SIGTERM');
    }
    const acked = load.acked();

    const verdict = checkGroup(events(), acked);
    console.log(`K8: ${acked.length} acked, ${verdict.deliveries} deliveries, ${verdict.handoverDuplicates} duplicates at handovers, ${ROUNDS} kills`);
    assert.deepEqual(verdict.overlaps, [], 'no partition owned by two live consumers at once');
    assert.deepEqual(verdict.outsideOwnership, [], 'deliveries only while owning the partition');
    assert.deepEqual(verdict.duplicatesWithinOwnership, [], 'duplicates only around ownership changes');
    assert.deepEqual(verdict.lost, [], 'nothing acked is lost');
    assert.ok(acked.length > 0 && died.length === ROUNDS);
  });
});
