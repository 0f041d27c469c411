import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminIni, startAdminFixture } from '../support/admin-fixture.js';
import type { AdminFixture } from '../support/admin-fixture.js';
import { put, WireSession } from '../support/wire-client.js';

interface TopicListBody {
  topics: Array<{ topic: string; partitions: unknown[]; messages: number; rates: { putsPerSecond: number } }>;
  total: number;
  start: number;
  next: string | null;
  limit: number;
}

const SHELVES = 230;
const shelf = (i: number): string => `shelf-${String(i).padStart(3, '0')}`;

describe('GET /api/topics pages by name (docs/admin-api.md, GitHub issue 30)', () => {
  let f: AdminFixture;
  let session: WireSession;
  /** Every topic the broker lists, in the list's order: stored shelves and bins, and `orders`, configured but never written. */
  let expected: string[];

  before(async () => {
    f = await startAdminFixture(adminIni('', '[topic=orders]\n[topic=shelf-*]\n[topic=bin-*]\n'));
    session = await WireSession.open('127.0.0.1', f.broker.port);
    const names = [...Array.from({ length: SHELVES }, (_, i) => shelf(i)), 'bin-a', 'bin-b', 'bin-c', 'bin-d', 'bin-e'];
    const replies = await Promise.all(names.map((name) => put(session, name, 0, `first of ${name}`)));
    assert.deepEqual(new Set(replies.map((r) => r.code)), new Set([200]), 'every topic was created by its put');
    expected = [...names, 'orders'].sort();
  });
  after(async () => {
    await session?.close();
    await f?.stop();
  });

  const list = (query: string) => f.api<TopicListBody>(`/topics${query}`);

  it('answers the first 100 by name with the total and the next cursor, and builds only those topics', async () => {
    let partitionReads = 0;
    const traffic = f.broker.traffic;
    const of = traffic.of.bind(traffic);
    traffic.of = (topic, partition) => ((partitionReads += 1), of(topic, partition));
    try {
      const first = await list('');
      assert.equal(first.status, 200);
      assert.deepEqual(
        first.body.topics.map((t) => t.topic),
        expected.slice(0, 100),
      );
      assert.equal(first.body.total, expected.length);
      assert.equal(first.body.start, 0);
      assert.equal(first.body.limit, 100);
      assert.equal(first.body.next, expected[99]);
      assert.ok(partitionReads <= 100, `one page read ${partitionReads} partitions' details, not all ${SHELVES + 5}`);
      const orders = (await list('?q=orders')).body.topics[0]!;
      assert.deepEqual([orders.topic, orders.partitions, orders.messages], ['orders', [], 0], 'a configured topic with no store is listed, empty');
      partitionReads = 0;
      const broker = await f.api<{ topics: { topics: number; partitions: number; messages: number; rates: { putsPerSecond: number } } }>('/broker');
      assert.deepEqual(
        { topics: broker.body.topics.topics, partitions: broker.body.topics.partitions, messages: broker.body.topics.messages },
        { topics: expected.length, partitions: SHELVES + 5, messages: SHELVES + 5 },
        "the broker's totals cover every topic",
      );
      assert.equal(partitionReads, 0, 'the totals are summed from counters, no topic view built');
    } finally {
      traffic.of = of;
    }
  });

  it('walks every topic exactly once, in order, following next', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 20; pages += 1) {
      const page: { status: number; body: TopicListBody } = await list(`?limit=37${cursor === null ? '' : `&after=${cursor}`}`);
      assert.equal(page.status, 200);
      assert.ok(page.body.topics.length <= 37);
      assert.equal(page.body.start, seen.length, 'start counts the topics before this page');
      seen.push(...page.body.topics.map((t) => t.topic));
      cursor = page.body.next;
      if (cursor === null) break;
    }
    assert.equal(cursor, null, 'the walk ended');
    assert.deepEqual(seen, expected);
    assert.equal((await list('?limit=1000')).body.topics.length, expected.length, 'the maximum page holds them all');
  });

  it('keeps its place by name while topics appear before the cursor', async () => {
    const first = await list('?limit=10&q=shelf');
    const cursor = first.body.next!;
    assert.equal((await put(session, 'shelf-000a', 0, 'sorts inside the first page')).code, 200);
    assert.equal((await put(session, `${cursor}a`, 0, 'sorts right after the cursor')).code, 200);
    const second = await list(`?limit=10&q=shelf&after=${cursor}`);
    assert.equal(second.body.topics[0]!.topic, `${cursor}a`, 'the page starts right after the cursor name, nothing skipped or repeated');
    assert.equal(second.body.total, SHELVES + 2);
    assert.equal(second.body.start, 11, 'the new topic before the cursor moves the position, not the page');
    const gone = await list('?limit=3&after=shelf-000b');
    assert.deepEqual(
      gone.body.topics.map((t) => t.topic),
      ['shelf-001', 'shelf-002', 'shelf-003'],
      'a cursor need not name a topic that exists',
    );
  });

  it('filters by a case-insensitive part of the name, with paging inside the filter', async () => {
    const bins = await list('?q=BIN');
    assert.deepEqual(
      bins.body.topics.map((t) => t.topic),
      ['bin-a', 'bin-b', 'bin-c', 'bin-d', 'bin-e'],
    );
    assert.equal(bins.body.total, 5);
    assert.equal(bins.body.next, null);
    const second = await list('?q=bin&limit=2&after=bin-b');
    assert.deepEqual(
      second.body.topics.map((t) => t.topic),
      ['bin-c', 'bin-d'],
    );
    assert.equal(second.body.next, 'bin-d');
    const none = await list('?q=no-such-topic');
    assert.deepEqual([none.body.topics, none.body.total, none.body.next], [[], 0, null]);
    assert.equal((await list('?q=')).body.total, expected.length + 2, 'an empty filter keeps every topic');
  });

  it('refuses bad values with 400 saying what was wrong and what to send', async () => {
    const refusals: Array<[string, RegExp]> = [
      ['?limit=0', /^limit=0 is not allowed: limit is a whole number from 1 to 1000 \(default 100\)/],
      ['?limit=1001', /^limit=1001 is not allowed: .*after=<next>/],
      ['?limit=ten', /^limit=ten is not allowed/],
      ['?limit=2.5', /^limit=2.5 is not allowed/],
      ['?after=a%20b', /^after="a b" is not a topic name: pass the next field of the previous reply/],
      ['?after=', /^after="" is not a topic name/],
      ['?offset=100', /^unknown parameter offset: GET \/api\/topics takes limit .* pass the previous reply's next as after$/],
      ['?prefix=shelf', /^unknown parameter prefix: GET \/api\/topics takes limit \(1 to 1000, default 100\), after .* and q/],
      [`?q=${'x'.repeat(250)}`, /^q is at most 249 characters/],
    ];
    for (const [query, message] of refusals) {
      const refused = await f.api<{ error: string; message: string }>(`/topics${query}`);
      assert.equal(refused.status, 400, query);
      assert.equal(refused.body.error, 'Bad Request', query);
      assert.match(refused.body.message, message, query);
    }
  });
});
