import { html } from '../html.js';
import { usePoll } from '../use-poll.js';
import { bytes } from '../format.js';
import type { Group } from '../types.js';
import { StatusLine } from './status-line.js';

/** Consumer groups reading this broker, with members and total lag. */
export function GroupsPage() {
  const polled = usePoll<{ groups: Group[] }>('/groups');
  return html`
    <h1>Consumer groups</h1>
    <${StatusLine} polled=${polled} />
    <table data-testid="groups">
      <thead>
        <tr>
          <th>Group</th>
          <th class="num">Members</th>
          <th class="num">Partitions</th>
          <th class="num">Lag</th>
        </tr>
      </thead>
      <tbody>
        ${(polled.data?.groups ?? []).map(
          (g) =>
            html`<tr data-group=${g.group}>
              <td><a href=${`#/groups/${encodeURIComponent(g.group)}`}>${g.group}</a></td>
              <td class="num">${g.members.length}</td>
              <td class="num">${g.partitions.length}</td>
              <td class="num" data-testid="lag">${bytes(g.lagBytes)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${polled.data?.groups.length === 0 && html`<p class="muted">No group has fetched from this broker since it started.</p>`}
  `;
}
