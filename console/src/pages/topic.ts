import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';
import { usePoll } from '../use-poll.js';
import { bytes, count, rate } from '../format.js';
import type { Topic } from '../types.js';
import { StatusLine } from './status-line.js';
import { useAction } from '../use-action.js';

/** One topic: partitions with offsets and sizes, and closing/opening partitions for maintenance (docs/operations.md). */
export function TopicPage({ topic }: { topic: string }) {
  const polled = usePoll<Topic>(`/topics/${encodeURIComponent(topic)}`);
  const [range, setRange] = useState({ start: '0', end: '0' });
  const action = useAction(polled.refresh);
  const t = polled.data;
  const act = (path: string, body?: unknown) =>
    action.run(api(`/topics/${encodeURIComponent(topic)}/${path}`, { method: 'POST', body }), () =>
      path === 'open' ? 'All partitions opened.' : `Partitions ${range.start}–${range.end} closed: puts and gets answer 403.`,
    );
  return html`
    <h1>Topic ${topic}</h1>
    <${StatusLine} polled=${polled} />
    ${
      t &&
      html`<p class="muted">
          ${t.partitions.length} partitions · ${count(t.messages)} messages · ${bytes(t.sizeBytes)} · ${rate(t.rates.putsPerSecond)} puts ·
          ${rate(t.rates.getsPerSecond)} gets ${t.configured ? '' : '· matched by a wildcard section'}
        </p>
        <table data-testid="partitions">
          <thead>
            <tr>
              <th class="num">Partition</th>
              <th class="num">Min offset</th>
              <th class="num">Max offset</th>
              <th class="num">Size</th>
              <th class="num">Messages</th>
              <th>State</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            ${t.partitions.map(
              (p) =>
                html`<tr data-partition=${p.partition}>
                  <td class="num">${p.partition}</td>
                  <td class="num">${p.minOffset}</td>
                  <td class="num" data-testid="max-offset">${p.maxOffset}</td>
                  <td class="num">${bytes(p.sizeBytes)}</td>
                  <td class="num">${count(p.messages)}</td>
                  <td>
                    ${p.closed ? html`<span class="tag closed" data-testid="state">closed</span>` : html`<span class="tag ok" data-testid="state">open</span>`}
                  </td>
                  <td><a href=${`#/messages?topic=${encodeURIComponent(topic)}&partition=${p.partition}&offset=${p.minOffset}`}>browse</a></td>
                </tr>`,
            )}
          </tbody>
        </table>
        <h2>Maintenance</h2>
        <form class="inline" onSubmit=${(e: Event) => (e.preventDefault(), act('close', { start: Number(range.start), end: Number(range.end) }))}>
          <label
            >First partition
            <input
              name="start"
              type="number"
              min="0"
              value=${range.start}
              onInput=${(e: Event) => setRange({ ...range, start: (e.target as HTMLInputElement).value })}
          /></label>
          <label
            >Last partition
            <input
              name="end"
              type="number"
              min="0"
              value=${range.end}
              onInput=${(e: Event) => setRange({ ...range, end: (e.target as HTMLInputElement).value })}
          /></label>
          <button type="submit" class="danger" data-testid="close">Close partitions</button>
          <button type="button" class="secondary" data-testid="open" onClick=${() => act('open')}>Open all</button>
        </form>
        ${action.view}
        <h2>Settings</h2>
        <table>
          <tbody>
            ${Object.entries(t.settings ?? {}).map(
              ([k, v]) =>
                html`<tr>
                  <th>${k}</th>
                  <td>${String(v)}</td>
                </tr>`,
            )}
          </tbody>
        </table>`
    }
  `;
}
