import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import { AdminClient } from '../admin/admin-client.js';
import type { TopicReload } from '../broker/broker.js';
import { dataDirOwner, OWNER_FILE } from '../broker/data-dir-owner.js';
import { deletePartitions, movePartitions, NodeFileIO } from '../broker/index.js';
import { ZkSession } from '../client/index.js';
import { copyOffsets } from '../coordination/zk/copy-offsets.js';
import { MetaZnodes, parseOffsetNode } from '../coordination/zk/znodes.js';

/** A progress bar on stderr when it is a terminal; silent otherwise (scripts, tests). */
function progressBar(total: number, what: string): { update(done: number): void; stop(): void } {
  if (!process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({ format: `${what} [{bar}] {value}/{total}`, stream: process.stderr, hideCursor: true });
  bar.start(total, 0);
  return { update: (done) => bar.update(done), stop: () => bar.stop() };
}

/** `metaq reload`: re-read the broker's topic sections (docs/operations.md) through its admin API. */
export async function reload(admin: AdminClient, out: NodeJS.WritableStream): Promise<void> {
  const result = await admin.call<TopicReload>('POST', '/config/reload');
  out.write(
    `reloaded: added ${result.added.join(', ') || '-'}; changed ${result.changed.join(', ') || '-'}; removed ${result.removed.join(', ') || '-'} (removed topics keep their stores)\n`,
  );
  if (result.needRestart.length > 0) out.write(`not applied until a restart: [${result.needRestart.join('], [')}] changed\n`);
}

/** `metaq close-partitions` / `open-partitions` (docs/operations.md). */
export async function closePartitions(admin: AdminClient, topic: string, start: number, end: number, out: NodeJS.WritableStream): Promise<void> {
  const result = await admin.call<{ closed: number[] }>('POST', `/topics/${encodeURIComponent(topic)}/close`, { start, end });
  out.write(`${topic}: partitions ${result.closed.join(', ')} closed (puts and gets answer 403 until opened or the broker restarts)\n`);
}

export async function openPartitions(admin: AdminClient, topic: string, out: NodeJS.WritableStream): Promise<void> {
  await admin.call('POST', `/topics/${encodeURIComponent(topic)}/open`);
  out.write(`${topic}: every partition open\n`);
}

/** Partition directories change only under a stopped broker: a running one would lose track of them, and their data. */
async function refuseWhileRunning(dataDir: string, doing: string): Promise<void> {
  const pid = await dataDirOwner(new NodeFileIO(), dataDir);
  if (pid !== undefined)
    throw new Error(
      `a broker (pid ${pid}) is running on ${dataDir} (${join(dataDir, OWNER_FILE)}); stop it before ${doing} partition directories, or use close-partitions to stop traffic on a running one`,
    );
}

/** `metaq move-partitions`: renumber partition directories of a stopped broker. */
export async function movePartitionDirs(dataDir: string, topic: string, start: number, end: number, by: number, out: NodeJS.WritableStream): Promise<void> {
  await refuseWhileRunning(dataDir, 'moving');
  const bar = progressBar(end - start + 1, `moving ${topic}`);
  try {
    const moves = await movePartitions(new NodeFileIO(), dataDir, topic, start, end, by, (done) => bar.update(done));
    bar.stop();
    for (const move of moves) out.write(`${move.from} -> ${move.to}\n`);
  } finally {
    bar.stop();
  }
}

/** `metaq delete-partitions`: without --force, only lists what would go. */
export async function deletePartitionDirs(
  dataDir: string,
  topic: string,
  start: number,
  end: number,
  force: boolean,
  out: NodeJS.WritableStream,
): Promise<void> {
  if (!force) {
    out.write(`would delete ${topic}-${start} … ${topic}-${end} under ${dataDir} with every message in them; run again with --force to delete\n`);
    return;
  }
  await refuseWhileRunning(dataDir, 'deleting');
  const bar = progressBar(end - start + 1, `deleting ${topic}`);
  try {
    const deleted = await deletePartitions(new NodeFileIO(), dataDir, topic, start, end, (done) => bar.update(done));
    bar.stop();
    out.write(deleted.length === 0 ? 'nothing to delete\n' : `${deleted.map((dir) => `deleted ${dir}`).join('\n')}\n`);
  } finally {
    bar.stop();
  }
}

async function withZk<T>(zk: string, action: (session: ZkSession) => Promise<T>): Promise<T> {
  const session = await ZkSession.open({ connect: zk, sessionTimeoutMs: 10_000, connectionTimeoutMs: 10_000 });
  try {
    return await action(session);
  } finally {
    await session.close();
  }
}

/** `metaq copy-offsets` (MetaQ's CopyOffsetInZk). */
export async function copyGroupOffsets(
  zk: string,
  root: string,
  spec: { topic: string; source: number; target: number; start: number; end: number; targetStart?: number },
  out: NodeJS.WritableStream,
): Promise<void> {
  await withZk(zk, async (session) => {
    let copied = 0;
    await copyOffsets(session, new MetaZnodes(root), spec, (copy) => {
      copied += 1;
      out.write(`${copy.group} ${spec.topic} ${copy.from} -> ${copy.to} ${copy.data}\n`);
    });
    out.write(`${copied} offsets copied\n`);
  });
}

/** `metaq offsets`: a group's committed offsets of a topic, as stored in ZooKeeper (docs/cluster.md). */
export async function showOffsets(zk: string, root: string, group: string, topic: string, out: NodeJS.WritableStream): Promise<void> {
  await withZk(zk, async (session) => {
    const znodes = new MetaZnodes(root);
    const partitions = await session.getChildren(`${znodes.root}/consumers/${group}/offsets/${topic}`);
    if (partitions.length === 0) out.write(`group ${group} has no offsets for ${topic} in ZooKeeper\n`);
    for (const partition of partitions.sort()) {
      const parsed = parseOffsetNode((await session.getData(znodes.offset(group, topic, partition))) ?? '');
      const owner = await session.getData(znodes.owner(group, topic, partition));
      out.write(`${partition}\toffset ${parsed?.offset ?? '?'}\tmsgId ${parsed?.msgId ?? '?'}\towner ${owner || '-'}\n`);
    }
  });
}
