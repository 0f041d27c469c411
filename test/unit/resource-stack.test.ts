import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ResourceStack } from '../../src/common/resource-stack.js';

describe('resource stack (start and stop of a service)', () => {
  it("undoes the earlier steps in reverse order when a later step fails, and rethrows that step's error", async () => {
    const events: string[] = [];
    const stack = new ResourceStack((name) => events.push(`report ${name}`));
    const stores = await stack.acquire(
      'stores',
      () => 'stores',
      (resource) => void events.push(`release ${resource}`),
    );
    assert.equal(stores, 'stores');
    await stack.acquire(
      'journal',
      () => Promise.resolve('journal'),
      (resource) => Promise.resolve(void events.push(`release ${resource}`)),
    );
    await stack.acquire('security', () => 'checked'); // nothing to release
    await assert.rejects(
      stack.acquire(
        'port',
        () => Promise.reject(new Error('port taken')),
        () => void events.push('release port'),
      ),
      /port taken/,
    );
    assert.deepEqual(events, ['release journal', 'release stores']);
    assert.equal(stack.size, 0);
  });

  it("keeps the failed step's error when an undo also fails, reporting the undo failure", async () => {
    const events: string[] = [];
    const stack = new ResourceStack((name, error) => events.push(`report ${name}: ${(error as Error).message}`));
    await stack.acquire(
      'stores',
      () => 1,
      () => void events.push('release stores'),
    );
    await stack.acquire(
      'journal',
      () => 2,
      () => {
        throw new Error('journal stuck');
      },
    );
    await assert.rejects(
      stack.acquire('port', () => Promise.reject(new Error('port taken'))),
      /port taken/,
    );
    assert.deepEqual(events, ['report journal: journal stuck', 'release stores']);
  });

  it('releases everything on stop even when one release throws, then rethrows the first failure', async () => {
    const events: string[] = [];
    const stack = new ResourceStack((name, error) => events.push(`report ${name}: ${(error as Error).message}`));
    stack.defer('stores', () => void events.push('release stores'));
    stack.defer('journal', () => Promise.reject(new Error('journal stuck')));
    stack.defer('traces', () => {
      throw new Error('traces stuck');
    });
    stack.defer('listeners', async () => Promise.resolve(void events.push('release listeners')));
    await assert.rejects(stack.releaseAll(), /traces stuck/);
    assert.deepEqual(events, ['release listeners', 'report traces: traces stuck', 'report journal: journal stuck', 'release stores']);
    assert.equal(stack.size, 0);
    await stack.releaseAll(); // nothing left: releasing again is a no-op
    assert.equal(events.length, 4);
  });
});
