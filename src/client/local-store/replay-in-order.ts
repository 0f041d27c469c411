import type { LocalMessageStore } from './local-message-store.js';

/**
 * Offer a store's entries to `attempt` in the order they were added; an entry leaves the store
 * once its attempt succeeds. On a failure, `'stop'` ends the round (later entries must not
 * overtake it: producers keeping order) and `'skip'` moves on (local recovery retries it later).
 * Returns the failures seen.
 */
export async function replayInOrder(store: LocalMessageStore, attempt: (value: Buffer) => Promise<void>, onFailure: 'stop' | 'skip'): Promise<unknown[]> {
  const failures: unknown[] = [];
  for (const [key, value] of store.entries()) {
    try {
      await attempt(value);
    } catch (error) {
      failures.push(error);
      if (onFailure === 'stop') break;
      continue;
    }
    await store.remove(key);
  }
  return failures;
}
