import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adminIni, startAdminFixture } from '../support/admin-fixture.js';

describe('/healthz and /readyz', () => {
  it('are open without the admin token, and /readyz turns 503 once the broker stops while /healthz stays 200', async () => {
    const fixture = await startAdminFixture(adminIni());
    try {
      const probe = async (path: string) => {
        const response = await fetch(`${fixture.admin.url}${path}`);
        return { status: response.status, body: (await response.json()) as { status: string } };
      };
      assert.deepEqual(await probe('/readyz'), { status: 200, body: { status: 'ready' } });
      assert.deepEqual(await probe('/healthz'), { status: 200, body: { status: 'ok' } });

      await fixture.broker.stop();
      const stopped = await probe('/readyz');
      assert.equal(stopped.status, 503);
      assert.equal(stopped.body.status, 'not ready');
      assert.deepEqual(await probe('/healthz'), { status: 200, body: { status: 'ok' } });
    } finally {
      await fixture.stop();
    }
  });
});
