import type { AdminClient } from '../admin/admin-client.js';
import type { TopicDefinition, TopicDeletion } from '../broker/topic-admin.js';
import type { TopicView } from '../admin/views/topic-view.js';
import type { TopicPage } from '../admin/views/topic-list.js';
import { writeJson } from './json-output.js';
import { textTable } from './text-table.js';

/** One broker's admin API, named as the user gave it. */
export interface AdminTarget {
  url: string;
  client: AdminClient;
}

export interface TopicSettingsChange {
  partitions?: number;
  set?: Record<string, string>;
  unset?: string[];
}

const PAGE = 1000;

function path(topic: string): string {
  return `/topics/${encodeURIComponent(topic)}`;
}

/** Who said it, when there are several brokers. */
function on(targets: readonly AdminTarget[], target: AdminTarget): string {
  return targets.length > 1 ? ` on ${target.url}` : '';
}

/** Make one change on every broker named, one after another; text says what each did. */
async function changeEach(
  targets: readonly AdminTarget[],
  change: (target: AdminTarget) => Promise<TopicDefinition>,
  describe: (result: TopicDefinition, where: string) => string,
  out: NodeJS.WritableStream,
  json: boolean,
): Promise<void> {
  const results: Array<TopicDefinition & { admin: string }> = [];
  for (const target of targets) {
    const result = await change(target);
    results.push({ ...result, admin: target.url });
    if (!json) out.write(`${describe(result, on(targets, target))}\n`);
  }
  if (json) writeJson(out, results);
}

/** `metaq topic create`: the topic on every broker named. */
export function createTopic(
  targets: readonly AdminTarget[],
  topic: string,
  change: TopicSettingsChange,
  out: NodeJS.WritableStream,
  json: boolean,
): Promise<void> {
  const body = {
    topic,
    ...(change.partitions === undefined ? {} : { partitions: change.partitions }),
    ...(change.set === undefined ? {} : { settings: change.set }),
  };
  return changeEach(
    targets,
    (target) => target.client.call<TopicDefinition>('POST', '/topics', body),
    (created, where) => `created topic ${topic}${where}: ${created.numPartitions} partitions (kept in ${created.file})`,
    out,
    json,
  );
}

/** `metaq topic alter`: more partitions, or settings set and unset, on every broker named. */
export function alterTopic(
  targets: readonly AdminTarget[],
  topic: string,
  change: TopicSettingsChange,
  out: NodeJS.WritableStream,
  json: boolean,
): Promise<void> {
  return changeEach(
    targets,
    (target) => target.client.call<TopicDefinition>('PATCH', path(topic), change),
    (altered, where) => {
      const section = Object.entries(altered.section).map(([key, value]) => `${key}=${value}`);
      return `altered topic ${topic}${where}: ${altered.numPartitions} partitions; [topic=${topic}] ${section.join(' ')} (kept in ${altered.file})`;
    },
    out,
    json,
  );
}

/** `metaq topic delete`: without `force` only says what would go. */
export async function deleteTopic(targets: readonly AdminTarget[], topic: string, force: boolean, out: NodeJS.WritableStream, json: boolean): Promise<void> {
  if (!force) {
    const views = await Promise.all(targets.map((target) => target.client.call<TopicView>('GET', path(topic))));
    for (const [index, view] of views.entries())
      out.write(
        `would delete topic ${topic}${on(targets, targets[index]!)}: ${view.partitions.length} stored partitions, ${view.messages} messages, ${view.sizeBytes} bytes\n`,
      );
    out.write('nothing deleted: run again with --force to delete the topic and its messages\n');
    return;
  }
  const results: Array<TopicDeletion & { admin: string }> = [];
  for (const target of targets) {
    const deleted = await target.client.call<TopicDeletion>('DELETE', path(topic));
    results.push({ ...deleted, admin: target.url });
    if (json) continue;
    const bytes = deleted.partitions.reduce((sum, p) => sum + p.sizeBytes, 0);
    out.write(`deleted topic ${topic}${on(targets, target)}: ${deleted.partitions.length} partitions, ${bytes} bytes (kept in ${deleted.file})\n`);
    if (deleted.acceptedBy !== null) out.write(`[topic=${deleted.acceptedBy}] still accepts the name: a put creates ${topic} again, empty\n`);
  }
  if (json) writeJson(out, results);
}

/** Every topic of a broker, a page at a time. */
async function allTopics(target: AdminTarget, filter: string): Promise<TopicView[]> {
  const topics: TopicView[] = [];
  let after: string | null = null;
  do {
    const query = new URLSearchParams({ limit: String(PAGE), q: filter, ...(after === null ? {} : { after }) });
    const page: TopicPage = await target.client.call<TopicPage>('GET', `/topics?${query.toString()}`);
    topics.push(...page.topics);
    after = page.next;
  } while (after !== null);
  return topics;
}

function partitionsOf(view: TopicView): string {
  const configured = view.settings?.numPartitions;
  return typeof configured === 'number' ? String(configured) : '-';
}

/** `metaq topic list`: a line per topic and broker. */
export async function listTopics(targets: readonly AdminTarget[], filter: string, out: NodeJS.WritableStream, json: boolean): Promise<void> {
  const rows: Array<{ admin: string; view: TopicView }> = [];
  for (const target of targets) for (const view of await allTopics(target, filter)) rows.push({ admin: target.url, view });
  if (json) {
    writeJson(
      out,
      rows.map(({ admin, view }) => ({ admin, ...view })),
    );
    return;
  }
  const several = targets.length > 1;
  const header = [...(several ? ['BROKER'] : []), 'TOPIC', 'PARTITIONS', 'STORED', 'MESSAGES', 'BYTES', 'SECTION'];
  const table = rows.map(({ admin, view }) => [
    ...(several ? [admin] : []),
    view.topic,
    partitionsOf(view),
    String(view.partitions.length),
    String(view.messages),
    String(view.sizeBytes),
    view.configured ? 'own' : 'wildcard',
  ]);
  out.write(rows.length === 0 ? 'no topics\n' : textTable(header, table));
}

/** `metaq topic describe`: settings and partitions of one topic on each broker. */
export async function describeTopic(targets: readonly AdminTarget[], topic: string, out: NodeJS.WritableStream, json: boolean): Promise<void> {
  const views = await Promise.all(targets.map(async (target) => ({ admin: target.url, ...(await target.client.call<TopicView>('GET', path(topic))) })));
  if (json) return writeJson(out, targets.length === 1 ? views[0] : views);
  for (const view of views) {
    out.write(
      `topic ${view.topic}${targets.length > 1 ? ` on ${view.admin}` : ''}: ${partitionsOf(view)} partitions, ${view.configured ? `its own [topic=${view.topic}] section` : 'accepted by a wildcard section'}\n`,
    );
    for (const [key, value] of Object.entries(view.settings ?? {})) out.write(`  ${key}=${String(value)}\n`);
    const rows = view.partitions.map((p) => [
      String(p.partition),
      String(p.minOffset),
      String(p.maxOffset),
      String(p.messages),
      String(p.sizeBytes),
      p.closed ? 'closed' : 'open',
    ]);
    out.write(
      rows.length === 0
        ? '  no partition stored yet (a partition is created by its first message)\n'
        : textTable(['PARTITION', 'MIN OFFSET', 'MAX OFFSET', 'MESSAGES', 'BYTES', 'STATE'], rows),
    );
  }
}
