import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import { AdminClient } from '../admin/admin-client.js';
import type { TopicReload } from '../broker/broker.js';
import { dataDirOwner, OWNER_FILE } from '../broker/data-dir-owner.js';
import { deletePartitions, movePartitions, NodeFileIO } from '../broker/index.js';
import { copyOffsets } from '../coordination/zk/copy-offsets.js';
import { MetaZnodes, parseOffsetNode } from '../coordination/zk/znodes.js';
import { writeJson } from './json-output.js';
import { withZk } from './zk-command-session.js';

/** A progress bar on stderr when it is a terminal; silent otherwise (scripts, tests). */
function progressBar(total: number, what: string): { update(done: number): void; stop(): void } {
  if (!process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({ format: `${what} [{bar}] {value}/{total}`, stream: process.stderr, hideCursor: true });
  bar.start(total, 0);
  return { update: (done) => bar.update(done), stop: () => bar.stop() };
}

/** `metaq reload`: re-read the broker's topic sections (docs/operations.md) through its admin API; with `json`, the API's `{added, changed, removed, needRestart}`. */
export async function reload(admin: AdminClient, out: NodeJS.WritableStream, json = false): Promise<void> {
  const result = await admin.call<TopicReload>('POST', '/config/reload');
  if (json) return writeJson(out, { added: result.added, changed: result.changed, removed: result.removed, needRestart: result.needRestart });
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

/** `metaq move-partitions`: renumber partition directories of a stopped broker; with `json`, one array of `{from, to}`. */
export async function movePartitionDirs(
  dataDir: string,
  topic: string,
  range: { start: number; end: number; by: number },
  out: NodeJS.WritableStream,
  json = false,
): Promise<void> {
  const { start, end, by } = range;
  await refuseWhileRunning(dataDir, 'moving');
  const bar = progressBar(end - start + 1, `moving ${topic}`);
  try {
    const moves = await movePartitions(new NodeFileIO(), dataDir, topic, start, end, by, (done) => bar.update(done));
    bar.stop();
    if (json)
      return writeJson(
        out,
        moves.map((move) => ({ from: move.from, to: move.to })),
      );
    for (const move of moves) out.write(`${move.from} -> ${move.to}\n`);
  } finally {
    bar.stop();
  }
}

/** `metaq delete-partitions`: without --force, only says what would go; with `json`, `{deleted, force}` (nothing deleted without force). */
export async function deletePartitionDirs(
  dataDir: string,
  topic: string,
  range: { start: number; end: number; force: boolean },
  out: NodeJS.WritableStream,
  json = false,
): Promise<void> {
  const { start, end, force } = range;
  if (!force) {
    if (json) return writeJson(out, { deleted: [], force: false });
    out.write(`would delete ${topic}-${start} … ${topic}-${end} under ${dataDir} with every message in them; run again with --force to delete\n`);
    return;
  }
  await refuseWhileRunning(dataDir, 'deleting');
  const bar = progressBar(end - start + 1, `deleting ${topic}`);
  try {
    const deleted = await deletePartitions(new NodeFileIO(), dataDir, topic, start, end, (done) => bar.update(done));
    bar.stop();
    if (json) return writeJson(out, { deleted, force: true });
    out.write(deleted.length === 0 ? 'nothing to delete\n' : `${deleted.map((dir) => `deleted ${dir}`).join('\n')}\n`);
  } finally {
    bar.stop();
  }
}

/** `metaq copy-offsets` (MetaQ's CopyOffsetInZk); with `json`, once done, one array of `{group, topic, from, to, data}`. */
export async function copyGroupOffsets(
  zk: string,
  root: string,
  spec: { topic: string; source: number; target: number; start: number; end: number; targetStart?: number },
  out: NodeJS.WritableStream,
  json = false,
): Promise<void> {
  await withZk(zk, async (session) => {
    const copies = await copyOffsets(session, new MetaZnodes(root), spec, (copy) => {
      if (!json) out.write(`${copy.group} ${spec.topic} ${copy.from} -> ${copy.to} ${copy.data}\n`);
    });
    if (json)
      return writeJson(
        out,
        copies.map((copy) => ({ group: copy.group, topic: spec.topic, from: copy.from, to: copy.to, data: copy.data })),
      );
    out.write(`${copies.length} offsets copied\n`);
  });
}

/**
 * `metaq offsets`: a group's committed offsets of a topic, as stored in ZooKeeper (docs/cluster.md);
 * with `json`, one array of `{partition, offset, msgId, owner}`, null where the text prints ? or -.
 */
export async function showOffsets(zk: string, root: string, group: string, topic: string, out: NodeJS.WritableStream, json = false): Promise<void> {
  await withZk(zk, async (session) => {
    const znodes = new MetaZnodes(root);
    const partitions = await session.getChildren(`${znodes.root}/consumers/${group}/offsets/${topic}`);
    const rows = [];
    for (const partition of partitions.sort()) {
      const parsed = parseOffsetNode((await session.getData(znodes.offset(group, topic, partition))) ?? '');
      const owner = await session.getData(znodes.owner(group, topic, partition));
      rows.push({ partition, offset: parsed?.offset ?? null, msgId: parsed === undefined ? null : String(parsed.msgId), owner: owner || null });
    }
    if (json) return writeJson(out, rows);
    if (rows.length === 0) out.write(`group ${group} has no offsets for ${topic} in ZooKeeper\n`);
    for (const row of rows) out.write(`${row.partition}\toffset ${row.offset ?? '?'}\tmsgId ${row.msgId ?? '?'}\towner ${row.owner ?? '-'}\n`);
  });
}
