// Bench: how long a group of consumers takes to settle over a topic's partitions in a cluster.
import { MetaqClient } from '../src/client/index.js';
import type { Consumer } from '../src/client/index.js';

const [zkConnect, topic, members, partitions, retryMs] = process.argv.slice(2).map((v, i) => (i <= 1 ? v : Number(v))) as [
  string,
  string,
  number,
  number,
  number,
];

interface Member {
  client: MetaqClient;
  consumer: Consumer;
}

const owned = (group: Member[]): number[] => group.map((m) => m.consumer.ownership()?.get(topic)?.length ?? 0);
/** Settled: every partition has exactly one owner and each member holds its even share. */
const settled = (group: Member[]): boolean => {
  const counts = owned(group);
  const share = Math.floor(partitions / group.length);
  return counts.reduce((a, b) => a + b, 0) === partitions && counts.every((c) => c === share || c === share + 1);
};

async function waitSettled(group: Member[]): Promise<void> {
  const started = performance.now();
  while (!settled(group)) {
    if (performance.now() - started > 120_000) throw new Error(`not settled after 120 s: ${owned(group).join(',')}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function join(id: number): Member {
  const client = new MetaqClient({ zkConnect, zkSessionTimeoutMs: 10_000 });
  const consumer = client
    .consumer({ group: `rebalance-${retryMs}`, consumerId: `member-${String(id).padStart(2, '0')}`, rebalanceRetryMs: retryMs, maxDelayFetchMs: 100 })
    .subscribe(topic);
  void consumer.run(() => undefined);
  return { client, consumer };
}

const group: Member[] = [];
const startAll = performance.now();
for (let id = 0; id < members; id += 1) group.push(join(id));
await waitSettled(group);
const formMs = performance.now() - startAll;

const leaving = group.pop()!;
const leaveStarted = performance.now();
await leaving.consumer.close();
await leaving.client.close();
await waitSettled(group);
const leaveMs = performance.now() - leaveStarted;

const joinStarted = performance.now();
group.push(join(members));
await waitSettled(group);
const joinMs = performance.now() - joinStarted;

for (const m of group) {
  await m.consumer.close();
  await m.client.close();
}
process.stdout.write(`${JSON.stringify({ members, partitions, retryMs, formMs, leaveMs, joinMs })}\n`);
