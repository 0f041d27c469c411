import { html } from '../html.js';
import { usePoll } from '../use-poll.js';
import { bytes, count, rate } from '../format.js';
import type { Topic } from '../types.js';
import { StatusLine } from './status-line.js';

/** Every topic with its partitions, size and live put/get rates. */
export function TopicsPage() {
  const topics = usePoll<{ topics: Topic[] }>('/topics');
  return html`
    <h1>Topics</h1>
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
        ${(topics.data?.topics ?? []).map(
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
