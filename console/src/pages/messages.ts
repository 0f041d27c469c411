import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';
import type { MessagePage } from '../types.js';

export interface BrowseTarget {
  topic: string;
  partition: string;
  offset: string;
}

/** The message browser: the messages stored at an offset, with ids, flags, attributes and bodies. */
export function MessagesPage({ initial }: { initial: BrowseTarget }) {
  const [target, setTarget] = useState(initial);
  const [page, setPage] = useState<MessagePage | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const load = (at: BrowseTarget) => {
    if (at.topic === '') return;
    location.hash = `#/messages?topic=${encodeURIComponent(at.topic)}&partition=${at.partition}&offset=${at.offset}`;
    api<MessagePage>(`/topics/${encodeURIComponent(at.topic)}/partitions/${at.partition}/messages?offset=${at.offset}&maxBytes=65536`).then(
      (p) => {
        setPage(p);
        setError(undefined);
      },
      (e: Error) => {
        setPage(undefined);
        setError(e.message);
      },
    );
  };
  useEffect(() => load(initial), []);
  const field = (name: keyof BrowseTarget) => (e: Event) => setTarget({ ...target, [name]: (e.target as HTMLInputElement).value });
  return html`
    <h1>Messages</h1>
    <form class="inline" onSubmit=${(e: Event) => (e.preventDefault(), load(target))}>
      <label>Topic <input name="topic" value=${target.topic} onInput=${field('topic')} /></label>
      <label>Partition <input name="partition" type="number" min="0" value=${target.partition} onInput=${field('partition')} /></label>
      <label>Offset <input name="offset" type="number" min="0" value=${target.offset} onInput=${field('offset')} /></label>
      <button type="submit" data-testid="show">Show</button>
    </form>
    ${error && html`<div class="error" data-testid="error">${error}</div>`}
    ${
      page &&
      html`<p class="muted">offsets ${page.minOffset}–${page.maxOffset} readable; ${page.messages.length} messages from ${target.offset}</p>
        <table data-testid="messages">
          <thead>
            <tr>
              <th class="num">Offset</th>
              <th>Id</th>
              <th class="num">Flag</th>
              <th>Attribute</th>
              <th class="num">Size</th>
              <th>Body</th>
            </tr>
          </thead>
          <tbody>
            ${page.messages.map(
              (m) =>
                html`<tr data-offset=${m.offset}>
                  <td class="num">${m.offset}</td>
                  <td>${m.id}</td>
                  <td class="num">${m.flag}</td>
                  <td data-testid="attribute">${m.attribute ?? ''}</td>
                  <td class="num">${m.size}</td>
                  <td>
                    ${m.intact ? '' : html`<span class="tag bad">bad CRC</span> `}
                    <pre class="body" data-testid="body">${m.text ?? `base64:${m.base64}`}</pre>
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>
        ${
          page.nextOffset < page.maxOffset &&
          html`<p>
            <button
              class="secondary"
              data-testid="next"
              onClick=${() => {
                const next = { ...target, offset: String(page.nextOffset) };
                setTarget(next);
                load(next);
              }}
            >
              Next page from ${page.nextOffset}
            </button>
          </p>`
        }`
    }
  `;
}
