import { html } from '../html.js';
import type { Polled } from '../use-poll.js';

/** A page's load state: the error the API gave, or "loading" before the first answer. */
export function StatusLine({ polled }: { polled: Polled<unknown> }) {
  if (polled.error !== undefined) return html`<div class="error" data-testid="error">${polled.error.message}</div>`;
  if (polled.data === undefined) return html`<p class="muted">loading…</p>`;
  return null;
}
