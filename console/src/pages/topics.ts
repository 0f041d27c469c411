import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { usePoll } from '../use-poll.js';
import { bytes, count, rate } from '../format.js';
import type { TopicPage } from '../types.js';
import { StatusLine } from './status-line.js';

const PAGE_SIZES = [25, 100, 500] as const;

/**
 * Topics one page at a time, by name, with a filter: a broker may hold thousands, and only the
 * page shown is read from it. Previous pages are the cursors walked through to get here.
 */
export function TopicsPage() {
  const [filter, setFilter] = useState('');
  const [limit, setLimit] = useState<number>(100);
  const [cursors, setCursors] = useState<string[]>([]);
  const after = cursors[cursors.length - 1];
  const query = new URLSearchParams({ limit: String(limit) });
  if (after !== undefined) query.set('after', after);
  if (filter !== '') query.set('q', filter);
  const topics = usePoll<TopicPage>(`/topics?${query.toString()}`);
  const page = topics.data;
  const restart = (): void => setCursors([]);
  return html`
    <h1>Topics</h1>
    <form class="inline" onSubmit=${(e: Event) => e.preventDefault()}>
      <label
        >Filter
        <input
          name="filter"
          placeholder="part of a topic name"
          autocomplete="off"
          value=${filter}
          onInput=${(e: Event) => (setFilter((e.target as HTMLInputElement).value), restart())}
      /></label>
      <label
        >Per page
        <select name="limit" value=${limit} onChange=${(e: Event) => (setLimit(Number((e.target as HTMLSelectElement).value)), restart())}>
          ${PAGE_SIZES.map((n) => html`<option value=${n}>${n}</option>`)}
        </select></label
      >
      <button type="button" class="secondary" data-testid="previous" disabled=${cursors.length === 0} onClick=${() => setCursors(cursors.slice(0, -1))}>
        ← Previous
      </button>
      <button
        type="button"
        class="secondary"
        data-testid="next"
        disabled=${!topics.current || page?.next == null}
        onClick=${() => page?.next != null && setCursors([...cursors, page.next])}
      >
        Next →
      </button>
      <span class="muted" data-testid="range">${page === undefined ? '' : range(page)}</span>
    </form>
    <${StatusLine} polled=${topics} />
    <table data-testid="topics">
      <thead>
        <tr>
          <th>Topic</th>
          <th class="num">Partitions</th>
          <th class="num">Messages</th>
          <th class="num">Size</th>
          <th class="num">Puts</th>
          <th class="num">Gets</th>
          <th class="num">In</th>
          <th class="num">Out</th>
        </tr>
      </thead>
      <tbody>
        ${(page?.topics ?? []).map(
          (t) =>
            html`<tr data-topic=${t.topic}>
              <td>
                <a href=${`#/topics/${encodeURIComponent(t.topic)}`}>${t.topic}</a
                >${t.partitions.some((p) => p.closed) ? html` <span class="tag closed">closed</span>` : ''}
              </td>
              <td class="num">${t.partitions.length}</td>
              <td class="num" data-testid="messages">${count(t.messages)}</td>
              <td class="num">${bytes(t.sizeBytes)}</td>
              <td class="num" data-testid="put-rate">${rate(t.rates.putsPerSecond)}</td>
              <td class="num">${rate(t.rates.getsPerSecond)}</td>
              <td class="num">${bytes(t.rates.putBytesPerSecond)}/s</td>
              <td class="num">${bytes(t.rates.getBytesPerSecond)}/s</td>
            </tr>`,
        )}
      </tbody>
    </table>
  `;
}

/** "26–50 of 5,000 topics", or that none match. */
function range(page: TopicPage): string {
  if (page.total === 0) return 'no topics match';
  if (page.topics.length === 0) return `past the last of ${count(page.total)} topics`;
  return `${count(page.start + 1)}–${count(page.start + page.topics.length)} of ${count(page.total)} topics`;
}
