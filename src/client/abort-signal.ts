import { InvalidArgumentError } from './errors.js';

/** An `options.signal` checked: undefined, or an AbortSignal not yet aborted (else its reason is thrown, as Node's APIs do). */
export function checkSignal(signal: unknown, name: string): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) throw new InvalidArgumentError(name, `must be an AbortSignal, got ${typeof signal}`);
  signal.throwIfAborted();
  return signal;
}

/** Call `stop` once when `signal` aborts; the returned function forgets the signal (after a close by other means). */
export function onAbort(signal: AbortSignal | undefined, stop: () => unknown): () => void {
  if (signal === undefined) return () => undefined;
  const listener = (): void => void stop();
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}

/**
 * The promise, or its signal's reason as soon as the signal aborts. The operation itself goes on
 * to its own deadline; its outcome is then ignored.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const aborted = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', aborted, { once: true });
    promise
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', aborted))
      .catch(() => undefined);
  });
}
