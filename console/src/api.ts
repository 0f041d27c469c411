/** The admin API as the console uses it: the operator's bearer token, kept for this tab only. */

const TOKEN_KEY = 'metaq-token';

/** `#token=…` (what the broker prints at start) is moved into session storage and out of the address bar. */
export function takeTokenFromUrl(): void {
  const match = /^#token=([^&]*)/.exec(location.hash);
  if (match === null) return;
  sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1] ?? ''));
  history.replaceState(null, '', `${location.pathname}#/`);
}

export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value: string): void {
  sessionStorage.setItem(TOKEN_KEY, value);
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** An API answer that was not 2xx: its status and the message the broker gave. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const response = await fetch(`/api${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token() ?? ''}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  const json: unknown = text === '' ? {} : JSON.parse(text);
  if (!response.ok) throw new ApiError(response.status, (json as { message?: string }).message ?? response.statusText);
  return json as T;
}
