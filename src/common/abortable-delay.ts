import { setTimeout as delay } from 'node:timers/promises';

/** Wait `ms`, or less if the signal aborts; never rejects. */
export async function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return;
  await delay(ms, undefined, { signal }).catch(() => undefined);
}
