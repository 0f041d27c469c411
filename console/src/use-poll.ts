import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api.js';

/** How often pages refresh: the broker samples rates and lag on the same beat. */
export const POLL_MS = 2000;

export interface Polled<T> {
  data: T | undefined;
  error: ApiError | Error | undefined;
  updatedAt: Date | undefined;
  /** False while `data` still answers an earlier path (a page of a list, a filter being typed). */
  current: boolean;
  refresh: () => void;
}

/** Read an API path now and every POLL_MS while the page shows it: live updates without reloads. */
export function usePoll<T>(path: string | undefined): Polled<T> {
  const [state, setState] = useState<{ data: T | undefined; error: Error | undefined; updatedAt: Date | undefined; path: string | undefined }>({
    data: undefined,
    error: undefined,
    updatedAt: undefined,
    path: undefined,
  });
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((n) => n + 1), []);
  useEffect(() => {
    if (path === undefined) return;
    let cancelled = false;
    const load = (): void => {
      api<T>(path).then(
        (data) => !cancelled && setState({ data, error: undefined, updatedAt: new Date(), path }),
        (error: Error) => !cancelled && setState((s) => ({ ...s, error })),
      );
    };
    load();
    const timer = setInterval(load, POLL_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [path, tick]);
  return { data: state.data, error: state.error, updatedAt: state.updatedAt, current: state.path === path, refresh };
}
