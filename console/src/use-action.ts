import { useState } from 'preact/hooks';
import { html } from './html.js';

export interface Outcome {
  ok: boolean;
  text: string;
}

/**
 * An operator action on a page: run the request, then show what happened (the success text, or
 * the broker's message) and refresh the page's data.
 */
export function useAction(refresh: () => void) {
  const [outcome, setOutcome] = useState<Outcome | undefined>(undefined);
  const run = <T>(request: Promise<T>, success: (result: T) => string): void => {
    request.then(
      (result) => {
        setOutcome({ ok: true, text: success(result) });
        refresh();
      },
      (error: Error) => setOutcome({ ok: false, text: error.message }),
    );
  };
  const view = outcome && html`<div class=${outcome.ok ? 'notice' : 'error'} data-testid="outcome">${outcome.text}</div>`;
  return { run, view };
}
