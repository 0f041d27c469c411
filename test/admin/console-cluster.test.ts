import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { addMove } from '../../src/coordination/zk/reassignments.js';
import { MetaZnodes } from '../../src/coordination/zk/znodes.js';
import { adminIni, startAdminFixture } from '../support/admin-fixture.js';
import type { AdminFixture } from '../support/admin-fixture.js';
import { eventually } from '../support/eventually.js';
import { launchChromium, screenshot, screenshotDir } from '../support/headless-chromium.js';
import { useZookeeper } from '../support/zookeeper-fixture.js';
import { put, WireSession } from '../support/wire-client.js';

const text = async (page: Page, selector: string): Promise<string> => ((await page.locator(selector).first().textContent()) ?? '').trim();

describe('web console: the Cluster page', { timeout: 60_000 }, () => {
  const zk = useZookeeper();
  const z = new MetaZnodes('/meta');
  let a: AdminFixture;
  let b: AdminFixture;
  let standalone: AdminFixture;
  let browser: Browser;
  let page: Page;

  before(async () => {
    a = await startAdminFixture(adminIni(zk.ini()), { sampleIntervalMs: 200 });
    b = await startAdminFixture(adminIni(zk.ini()).replace('brokerId=3', 'brokerId=4'));
    standalone = await startAdminFixture(adminIni());
    for (const f of [a, b]) {
      const session = await WireSession.open('127.0.0.1', f.broker.port);
      for (let i = 0; i < 4; i += 1) assert.equal((await put(session, 'orders', 0, `order-${i}`)).code, 200);
      await session.close();
    }
    await zk.session.writePersistent(z.offset('billing', 'orders', '3-0'), '-1-0');
    await zk.session.writePersistent(z.offset('billing', 'orders', '4-0'), '-1-0');
    await zk.session.writePersistent(z.offset('metaq-get', 'orders', '4-0'), '-1-0');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(a.admin.consoleUrl);
    await page.locator('[data-testid=broker-cards]').waitFor();
  });
  after(async () => {
    await browser?.close();
    await standalone?.stop();
    await b?.stop();
    await a?.stop();
  });

  it("shows both brokers, a group's lag over both, the internal group only when asked, and a move appearing live", async () => {
    await page.locator('nav a', { hasText: 'Cluster' }).click();
    await page.locator('[data-testid=cluster-brokers] tr[data-broker="4"]').waitFor();
    assert.match(await text(page, '[data-testid=cluster-brokers] tr[data-broker="3"] [data-testid=members]'), new RegExp(`master: ${a.broker.url}`));
    assert.match(await text(page, '[data-testid=cluster-brokers] tr[data-broker="4"] [data-testid=members]'), new RegExp(`master: ${b.broker.url}`));
    assert.equal(await text(page, '[data-testid=cluster-brokers] tr[data-broker="4"] [data-testid=partitions]'), '3', 'orders 2 + logs 1');

    const lag = a.broker.stores.find('orders', 0)!.visibleEnd + b.broker.stores.find('orders', 0)!.visibleEnd;
    const billing = '[data-testid=cluster-groups] tr[data-group=billing] [data-testid=lag]';
    await page.locator(billing).waitFor();
    assert.equal(await page.locator(billing).getAttribute('data-bytes'), String(lag));
    assert.equal(await page.locator('tr[data-group=metaq-get]').count(), 0, 'internal group hidden');
    await page.locator('[data-testid=all-groups]').check();
    await page.locator('tr[data-group=metaq-get]').waitFor();

    assert.match(await text(page, '[data-testid=no-moves]'), /No partition is being moved/);
    await addMove(zk.session, z, {
      topic: 'orders',
      // Brokers 5 and 6 are not running: no broker of this test acts on the record.
      source: { broker: 5, partition: 0 },
      target: { broker: 6 },
      state: 'copying',
      epoch: 1,
      throttleBytesPerSecond: 0,
      sourceStart: 0,
      sourceEnd: 2048,
      targetEnd: 1024,
      created: new Date().toISOString(),
      updated: new Date().toISOString(),
    });
    const row = '[data-testid=cluster-moves] tr[data-move="orders/5-0"]';
    await eventually(async () => (await page.locator(row).count()) === 1, 'the move shown without a reload');
    assert.equal(await text(page, `${row} [data-testid=state]`), 'copying');
    assert.equal(await text(page, `${row} [data-testid=copied]`), '1.0 KiB of 2.0 KiB');
    await screenshot(page, screenshotDir(), 'cluster');
  });

  it('says a standalone broker is not in a cluster', async () => {
    const other = await browser.newPage();
    await other.goto(standalone.admin.consoleUrl);
    await other.locator('[data-testid=broker-cards]').waitFor();
    await other.goto(`${standalone.admin.url}/#/cluster`);
    assert.match(await text(other, '[data-testid=standalone]'), /Broker 3 is not in a cluster/);
    assert.equal(await other.locator('[data-testid=cluster-brokers]').count(), 0);
    await other.close();
  });
});
