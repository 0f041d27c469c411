import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { MetaqClient } from '../../src/client/index.js';
import { adminIni, startAdminFixture, TOKEN } from '../support/admin-fixture.js';
import type { AdminFixture } from '../support/admin-fixture.js';
import { eventually } from '../support/eventually.js';
import { launchChromium, screenshot, screenshotDir } from '../support/headless-chromium.js';
import { put, putWithAttribute, WireSession } from '../support/wire-client.js';
import { txCommand, txPut, xaKey } from '../support/wire-transactions.js';

const text = async (page: Page, selector: string): Promise<string> => ((await page.locator(selector).first().textContent()) ?? '').trim();

describe('web console in headless Chromium', () => {
  let f: AdminFixture;
  let session: WireSession;
  let client: MetaqClient;
  let browser: Browser;
  let page: Page;
  const shots = screenshotDir();
  const prepared = xaKey('console-1', 'shop');

  before(async () => {
    f = await startAdminFixture(adminIni('', '[topic=orders]\nnumPartitions=2\nstat=true\n[topic=logs]\n[topic=shelf-*]\n'), { sampleIntervalMs: 200 });
    session = await WireSession.open('127.0.0.1', f.broker.port);
    await putWithAttribute(session, 'orders', 0, '{"order":1,"sku":"A-17"}', 'region=eu');
    for (let i = 2; i <= 40; i += 1) await put(session, 'orders', i % 2, `{"order":${i},"sku":"B-${i}"}`);
    for (let i = 0; i < 10; i += 1) await put(session, 'logs', 0, `GET /index.html 200 ${i}`);
    client = new MetaqClient({ serverUrl: f.broker.url, partitions: { orders: 2 } });
    const consumer = client.consumer({ group: 'billing', startFrom: 0 });
    consumer.subscribe('orders', { partitions: [0] });
    const consumed: number[] = [];
    for await (const message of consumer) if (consumed.push(message.offset) === 5) break;
    await consumer.close();
    await txCommand(session, prepared, 'BEGIN', { qualifier: 'shop', timeout: 300 });
    await txPut(session, prepared, 'orders', 1, 'held in a prepared transaction');
    await txCommand(session, prepared, 'PREPARE', { qualifier: 'shop' });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('dialog', (dialog) => void dialog.accept());
  });
  after(async () => {
    await browser?.close();
    await client?.close();
    await session?.close();
    await f?.stop();
  });

  it('asks for the token, refuses a wrong one, and signs in with the one in the URL', async () => {
    await page.goto(`${f.admin.url}/`);
    await page.locator('input[name=token]').fill('wrong-token');
    await page.locator('button[type=submit]').click();
    await page.locator('[data-testid=error]').waitFor();
    assert.match(await text(page, '[data-testid=error]'), /the token is wrong/);
    await page.locator('text=sign out').click();
    await page.goto(f.admin.consoleUrl);
    await page.reload();
    await page.locator('[data-testid=broker-cards]').waitFor();
    assert.equal(new URL(page.url()).hash, '#/', 'the token left the address bar');
    assert.equal(await page.evaluate('sessionStorage.getItem("metaq-token")'), TOKEN);
  });

  it('overview: this broker, the cluster and totals, updated live without reloading', async () => {
    await page.goto(`${f.admin.url}/#/`);
    await page.locator('[data-testid=broker-cards]').waitFor();
    await eventually(async () => (await text(page, '[data-testid=topic-count]')) === '2', 'two topics shown');
    const before = await text(page, '[data-testid=message-count]');
    assert.equal(before, '50');
    assert.match(await text(page, '[data-testid=brokers] tbody tr'), new RegExp(`3${f.broker.url.replace(/[.]/g, '\\.')}`));
    for (let i = 0; i < 25; i += 1) await put(session, 'logs', 0, `live ${i}`);
    await eventually(async () => (await text(page, '[data-testid=message-count]')) === '75', 'the message count rose without a reload');
    assert.match(await text(page, '[data-testid=disk-free]'), /^[0-9.]+ [KMGT]?i?B of [0-9.]+ [KMGT]?i?B$/);
    await screenshot(page, shots, 'overview');
  });

  it('topics: every topic with partitions, sizes and live rates', async () => {
    await page.goto(`${f.admin.url}/#/topics`);
    await page.locator('[data-testid=topics] tr[data-topic=orders]').waitFor();
    assert.equal(await text(page, 'tr[data-topic=orders] [data-testid=messages]'), '40');
    // Keep writing (bounded) until the page, polling every 2 s, shows a rate.
    let shown = false;
    const writer = (async () => {
      for (let i = 0; i < 50_000 && !shown; i += 1) await put(session, 'logs', 0, `rate ${i}`);
    })();
    await eventually(async () => (shown = (await text(page, 'tr[data-topic=logs] [data-testid=put-rate]')) !== '0/s'), 'a live put rate for logs');
    await screenshot(page, shots, 'topics');
    await writer;
  });

  it('topic: partitions with offsets, closed and opened from the page', async () => {
    await page.goto(`${f.admin.url}/#/topics/orders`);
    await page.locator('[data-testid=partitions] tr[data-partition="0"]').waitFor();
    assert.equal(Number(await text(page, 'tr[data-partition="0"] [data-testid=max-offset]')), f.broker.stores.find('orders', 0)!.visibleEnd);
    await page.locator('input[name=start]').fill('0');
    await page.locator('input[name=end]').fill('0');
    await page.locator('[data-testid=close]').click();
    await eventually(async () => (await text(page, 'tr[data-partition="0"] [data-testid=state]')) === 'closed', 'partition 0 shown closed');
    assert.equal(f.broker.closedPartitions.isClosed('orders', 0), true);
    assert.equal((await put(session, 'orders', 0, 'refused')).code, 403);
    await screenshot(page, shots, 'topic');
    await page.locator('[data-testid=open]').click();
    await eventually(async () => (await text(page, 'tr[data-partition="0"] [data-testid=state]')) === 'open', 'partition 0 shown open');
    assert.equal((await put(session, 'orders', 0, 'accepted')).code, 200);
  });

  it('groups and one group: owners, pending bytes, the lag chart, and skip refused without ZooKeeper', async () => {
    await page.goto(`${f.admin.url}/#/groups`);
    await page.locator('[data-testid=groups] tr[data-group=billing]').waitFor();
    await screenshot(page, shots, 'groups');
    await page.locator('a[href="#/groups/billing"]').click();
    await page.locator('[data-testid=group-partitions] tr[data-partition="orders-0"]').waitFor();
    assert.match(await text(page, 'tr[data-partition="orders-0"] [data-testid=owner]'), /^127\.0\.0\.1:\d+$/);
    assert.match(await text(page, 'tr[data-partition="orders-0"] [data-testid=pending]'), /^[1-9][\d.]* \S*B \(~[1-9]\d* msgs\)$/);
    await eventually(async () => Number(await page.locator('[data-testid=lag-chart]').getAttribute('data-points')) >= 3, 'the lag chart has points');
    assert.equal(await page.locator('[data-testid=lag-chart] canvas').count(), 1, 'uPlot drew a canvas');
    await page.locator('tr[data-partition="orders-0"] [data-testid=skip]').click();
    await page.locator('[data-testid=outcome]').waitFor();
    assert.match(await text(page, '[data-testid=outcome]'), /without ZooKeeper/);
    await screenshot(page, shots, 'group');
  });

  it('messages: the browser shows offsets, ids, attributes and bodies, and pages on', async () => {
    await page.goto(`${f.admin.url}/#/messages?topic=orders&partition=0&offset=0`);
    await page.locator('[data-testid=messages] tr[data-offset="0"]').waitFor();
    assert.equal(await text(page, 'tr[data-offset="0"] [data-testid=attribute]'), 'region=eu');
    assert.equal(await text(page, 'tr[data-offset="0"] [data-testid=body]'), '{"order":1,"sku":"A-17"}');
    await screenshot(page, shots, 'messages');
    await page.locator('input[name=offset]').fill('999999');
    await page.locator('[data-testid=show]').click();
    await eventually(async () => (await page.locator('[data-testid=messages] tbody tr').count()) === 0, 'nothing beyond the end');
    await page.locator('input[name=topic]').fill('nope');
    await page.locator('[data-testid=show]').click();
    await page.locator('[data-testid=error]').waitFor();
    assert.match(await text(page, '[data-testid=error]'), /no store/);
  });

  it('transactions: a prepared XA transaction committed heuristically from the page', async () => {
    await page.goto(`${f.admin.url}/#/transactions`);
    const row = `[data-testid=transactions] tr[data-key="${prepared}"]`;
    await page.locator(row).waitFor();
    assert.equal(await text(page, `${row} [data-testid=state]`), 'PREPARED');
    await screenshot(page, shots, 'transactions');
    await page.locator(`${row} [data-testid=commit]`).click();
    await eventually(async () => (await text(page, `${row} [data-testid=state]`)) === 'HEURISTIC_COMMIT', 'shown committed');
    assert.equal(f.broker.transactions.list().find((t) => t.key === prepared)?.state, 'HEURISTIC_COMMIT');
  });

  it('replication: the role and, without slaves, says so', async () => {
    await page.goto(`${f.admin.url}/#/replication`);
    await page.locator('[data-testid=role]').waitFor();
    assert.equal(await text(page, '[data-testid=role]'), 'master');
    await page.locator('text=This broker has no slave').waitFor();
    await screenshot(page, shots, 'replication');
  });

  it('topics, paged: a page at a time with next and previous, the count, and a filter', async () => {
    const shelves = Array.from({ length: 60 }, (_, i) => `shelf-${String(i).padStart(3, '0')}`);
    const created = await Promise.all(shelves.map((name) => put(session, name, 0, `first of ${name}`)));
    assert.ok(
      created.every((r) => r.code === 200),
      'every shelf topic was created',
    );
    await page.goto(`${f.admin.url}/#/`);
    await eventually(async () => (await text(page, '[data-testid=topic-count]')) === '62', 'the overview counts every topic');
    await page.goto(`${f.admin.url}/#/topics`);
    await page.locator('select[name=limit]').selectOption('25');
    const range = (expected: string) => eventually(async () => (await text(page, '[data-testid=range]')) === expected, `the range reads ${expected}`);
    const rows = async () => Promise.all((await page.locator('[data-testid=topics] tbody tr').all()).map((tr) => tr.getAttribute('data-topic')));
    await range('1–25 of 62 topics');
    assert.deepEqual(await rows(), ['logs', 'orders', ...shelves.slice(0, 23)]);
    assert.equal(await page.locator('[data-testid=previous]').isDisabled(), true, 'no page before the first');
    await page.locator('[data-testid=next]').click();
    await range('26–50 of 62 topics');
    assert.deepEqual(await rows(), shelves.slice(23, 48));
    await page.locator('[data-testid=next]').click();
    await range('51–62 of 62 topics');
    assert.deepEqual(await rows(), shelves.slice(48));
    assert.equal(await page.locator('[data-testid=next]').isDisabled(), true, 'no page after the last');
    await screenshot(page, shots, 'topics-paged');
    await page.locator('[data-testid=previous]').click();
    await range('26–50 of 62 topics');
    assert.deepEqual(await rows(), shelves.slice(23, 48), 'back on the second page');
    await page.locator('input[name=filter]').fill('SHELF-04');
    await range('1–10 of 10 topics');
    assert.deepEqual(await rows(), shelves.slice(40, 50));
    assert.equal(await page.locator('[data-testid=previous]').isDisabled(), true, 'a new filter starts at its first page');
    assert.equal(await page.locator('[data-testid=next]').isDisabled(), true, 'ten fit on one page');
    await page.locator('input[name=filter]').fill('no-such-topic');
    await range('no topics match');
    assert.equal(await page.locator('[data-testid=topics] tbody tr').count(), 0);
  });
});
