import { html } from '../html.js';
import { api } from '../api.js';
import { usePoll } from '../use-poll.js';
import { ago, bytes } from '../format.js';
import type { Group, GroupPartition } from '../types.js';
import { LagChart } from '../lag-chart.js';
import { StatusLine } from './status-line.js';
import { useAction } from '../use-action.js';

/** One group: per-partition owners, offsets and lag (MetaQ's pending view), skip, and the lag chart. */
export function GroupPage({ group }: { group: string }) {
  const polled = usePoll<Group>(`/groups/${encodeURIComponent(group)}`);
  const action = useAction(polled.refresh);
  const g = polled.data;
  const skip = (p: GroupPartition) => {
    if (
      !confirm(`Skip the backlog of ${p.topic}-${p.partition} for group ${group}? Its ${bytes(p.lagBytes)} of pending messages will never be delivered to it.`)
    )
      return;
    action.run(
      api<{ offset: number }>(`/groups/${encodeURIComponent(group)}/topics/${encodeURIComponent(p.topic)}/partitions/${p.partition}/skip`, { method: 'POST' }),
      (r) => `Skipped ${p.topic}-${p.partition} to offset ${r.offset}.`,
    );
  };
  return html`
    <h1>Group ${group}</h1>
    <${StatusLine} polled=${polled} />
    ${
      g &&
      html`<p class="muted">
          ${g.members.length} members${g.members.length > 0 ? `: ${g.members.join(', ')}` : ''} · total lag
          <span data-testid="total-lag">${bytes(g.lagBytes)}</span>
        </p>
        <h2>Lag</h2>
        <${LagChart} history=${g.lagHistory ?? []} />
        <h2>Pending messages per partition</h2>
        <table data-testid="group-partitions">
          <thead>
            <tr>
              <th>Topic</th>
              <th class="num">Partition</th>
              <th>Owner</th>
              <th class="num">Committed</th>
              <th class="num">Fetched</th>
              <th class="num">Max offset</th>
              <th class="num">Pending</th>
              <th>Last fetch</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            ${g.partitions.map(
              (p) =>
                html`<tr data-partition=${`${p.topic}-${p.partition}`}>
                  <td>${p.topic}</td>
                  <td class="num">${p.partition}</td>
                  <td data-testid="owner">${p.owner ?? p.client ?? '—'}</td>
                  <td class="num">${p.committed ?? '—'}</td>
                  <td class="num">${p.fetched ?? '—'}</td>
                  <td class="num">${p.maxOffset}</td>
                  <td class="num" data-testid="pending">${p.pastEnd ? 'past end' : `${bytes(p.lagBytes)} (~${p.lagMessagesEstimate} msgs)`}</td>
                  <td>${p.lastFetchMs === undefined ? '—' : ago(p.lastFetchMs)}</td>
                  <td><button class="secondary" data-testid="skip" onClick=${() => skip(p)}>Skip</button></td>
                </tr>`,
            )}
          </tbody>
        </table>
        ${action.view}`
    }
  `;
}
