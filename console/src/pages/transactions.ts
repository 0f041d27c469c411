import { html } from '../html.js';
import { api } from '../api.js';
import { usePoll } from '../use-poll.js';
import { duration } from '../format.js';
import type { Transaction } from '../types.js';
import { StatusLine } from './status-line.js';
import { useAction } from '../use-action.js';

/** Open and prepared transactions; an operator's heuristic commit or rollback of a prepared XA one. */
export function TransactionsPage() {
  const polled = usePoll<{ transactions: Transaction[] }>('/transactions');
  const action = useAction(polled.refresh);
  const complete = (key: string, outcome: 'commit' | 'rollback') => {
    if (!confirm(`${outcome} ${key} heuristically? The coordinator will be told when it retries.`)) return;
    action.run(api(`/transactions/${encodeURIComponent(key)}/${outcome}`, { method: 'POST' }), () => `${key}: heuristic ${outcome} done.`);
  };
  const list = polled.data?.transactions ?? [];
  return html`
    <h1>Transactions</h1>
    <${StatusLine} polled=${polled} />
    <table data-testid="transactions">
      <thead>
        <tr>
          <th>Key</th>
          <th>State</th>
          <th class="num">Messages</th>
          <th class="num">Age</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        ${list.map(
          (tx) =>
            html`<tr data-key=${tx.key}>
              <td>${tx.key}</td>
              <td data-testid="state">${tx.state}</td>
              <td class="num">${tx.messages}</td>
              <td class="num">${duration(Math.round(tx.ageMs / 1000))}</td>
              <td>
                ${
                  tx.state === 'PREPARED' &&
                  html`<button data-testid="commit" onClick=${() => complete(tx.key, 'commit')}>Commit</button>
                    <button class="danger" data-testid="rollback" onClick=${() => complete(tx.key, 'rollback')}>Roll back</button>`
                }
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${polled.data !== undefined && list.length === 0 && html`<p class="muted">No open or prepared transactions.</p>`} ${action.view}
  `;
}
