import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { AdminServer } from '../../src/admin/admin-server.js';
import type { Broker } from '../../src/broker/broker.js';
import { MetaqClient } from '../../src/client/index.js';
import { TOKEN } from '../support/admin-fixture.js';
import { eventually } from '../support/eventually.js';
import { launchChromium, screenshot, screenshotDir } from '../support/headless-chromium.js';
import { brokerIni, startFromIni } from '../support/replica-pair.js';

const text = async (page: Page, selector: string): Promise<string> => ((await page.locator(selector).first().textContent()) ?? '').trim();

describe('web console: the Replication page with a sync slave', { timeout: 60_000 }, () => {
  let slave: Broker;
  let master: Broker;
  let admin: AdminServer;
  let client: MetaqClient;
  let browser: Browser;
  let page: Page;
  let slaveStopped = false;

  before(async () => {
    slave = await startFromIni(brokerIni({ numPartitions: 2 }, { role: 'sync-slave' }));
    master = await startFromIni(brokerIni({ numPartitions: 2, brokerId: 5 }, { slave: `127.0.0.1:${slave.port}`, checkSlaveIntervalInMills: 50 }));
    admin = await AdminServer.start(master, { port: 0, host: '127.0.0.1', token: TOKEN, sampleIntervalMs: 200 });
    client = new MetaqClient({ serverUrl: master.url, partitions: { orders: 2 } });
    await eventually(() => master.replication.syncMaster!.status().connected, 'the master connecting to its slave');
    const producer = client.producer();
    for (let i = 0; i < 20; i += 1) await producer.send({ topic: 'orders', data: `order-${i}` }, { partition: { brokerId: 5, index: i % 2 } });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(admin.consoleUrl);
    await page.locator('[data-testid=broker-cards]').waitFor();
  });
  after(async () => {
    await browser?.close();
    await client?.close();
    await admin?.close();
    await master?.stop();
    if (!slaveStopped) await slave?.stop();
  });

  it('shows the slave connected and each partition replicated to its end, then the slave lost, live', async () => {
    await page.goto(`${admin.url}/#/replication`);
    await page.locator('[data-testid=sync-partitions]').waitFor();
    assert.equal(await text(page, '[data-testid=role]'), 'master');
    assert.match(await text(page, '[data-testid=sync-slave]'), new RegExp(`127\\.0\\.0\\.1:${slave.port}\\s*connected`));
    for (const partition of [0, 1]) {
      const row = `[data-testid=sync-partitions] tr[data-partition="orders-${partition}"]`;
      const end = String(master.stores.find('orders', partition)!.writtenEnd);
      await eventually(async () => (await text(page, `${row} [data-testid=replicated]`)) === end, `orders-${partition} replicated to ${end}`);
      assert.equal(await text(page, `${row} [data-testid=end]`), end);
    }
    await screenshot(page, screenshotDir(), 'replication-sync-master');

    await slave.stop();
    slaveStopped = true;
    await eventually(async () => /disconnected/.test(await text(page, '[data-testid=sync-slave]')), 'the page showing the slave lost without a reload');
  });
});
