import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { usePoll } from '../use-poll.js';
import { bytes, count } from '../format.js';
import type { ClusterAnswer, ClusterBroker, ClusterGroup, ClusterMove } from '../cluster-types.js';
import { StatusLine } from './status-line.js';

/** The cluster as ZooKeeper tells it: brokers and their replicas, partitions, groups' lag over every broker, moves. */
export function ClusterPage() {
  const [all, setAll] = useState(false);
  const polled = usePoll<ClusterAnswer>(all ? '/cluster?all=true' : '/cluster');
  const c = polled.data;
  return html`
    <h1>Cluster</h1>
    <${StatusLine} polled=${polled} />
    ${c && !c.cluster && html`<p class="muted" data-testid="standalone">Broker ${c.brokerId} is not in a cluster: it runs without ZooKeeper.</p>`}
    ${
      c &&
      c.cluster &&
      html`<p class="muted">ZooKeeper <code>${c.zookeeper}</code>, root <code>${c.root}</code>; this is broker ${c.brokerId} (${c.role}).</p>
        <${Brokers} brokers=${c.brokers} self=${c.brokerId} />
        <h2>Consumer groups, lag over every broker</h2>
        <label class="muted"
          ><input type="checkbox" data-testid="all-groups" checked=${all} onChange=${(e: Event) => setAll((e.target as HTMLInputElement).checked)} /> metaq's
          own groups too</label
        >
        ${c.unreachable.map((u) => html`<div class="error" data-testid="unreachable">Broker ${u.brokerId}: ${u.problem}; its partitions are not in the lag.</div>`)}
        ${c.omitted.reason && html`<div class="error" data-testid="omitted">${c.omitted.reason}</div>`}
        <${Groups} groups=${c.groups} />
        <h2>Partition moves in progress</h2>
        <${Moves} moves=${c.moves} />`
    }
  `;
}

function Brokers({ brokers, self }: { brokers: ClusterBroker[]; self: number }) {
  return html`<table data-testid="cluster-brokers">
    <thead>
      <tr>
        <th>Broker</th>
        <th>Members</th>
        <th class="num">Epoch</th>
        <th class="num">Topics</th>
        <th class="num">Partitions</th>
      </tr>
    </thead>
    <tbody>
      ${brokers.map(
        (b) =>
          html`<tr data-broker=${b.brokerId}>
            <td>${b.brokerId}${b.brokerId === self ? html` <span class="tag ok">this broker</span>` : ''}</td>
            <td data-testid="members">
              ${b.master === null ? html`<span class="tag bad">no master</span> ` : ''}
              ${b.members.map((m) => html`<div>${m.role}${m.slaveId === undefined ? '' : ` ${m.slaveId}`}: <code>${m.url}</code></div>`)}
            </td>
            <td class="num">${b.epoch?.epoch ?? ''}</td>
            <td class="num">${b.topics.length}</td>
            <td class="num" data-testid="partitions" title=${b.topics.map((t) => `${t.topic}: ${t.partitions}`).join('\n')}>${b.partitions}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function Groups({ groups }: { groups: ClusterGroup[] }) {
  if (groups.length === 0) return html`<p class="muted">No group has committed offsets in ZooKeeper.</p>`;
  return html`<table data-testid="cluster-groups">
    <thead>
      <tr>
        <th>Group</th>
        <th class="num">Partitions</th>
        <th class="num">Lag</th>
        <th class="num">Lag (messages, est.)</th>
        <th>Notes</th>
      </tr>
    </thead>
    <tbody>
      ${groups.map((g) => {
        const past = g.partitions.filter((p) => p.pastEnd).map((p) => `${p.topic} ${p.brokerId}-${p.partition}`);
        return html`<tr data-group=${g.group}>
          <td><a href=${`#/groups/${encodeURIComponent(g.group)}`}>${g.group}</a>${g.internal ? html` <span class="tag">internal</span>` : ''}</td>
          <td class="num">${g.partitions.length}</td>
          <td class="num" data-testid="lag" data-bytes=${g.lagBytes}>${bytes(g.lagBytes)}</td>
          <td class="num" title="this broker's partitions only: others' message sizes are not known here">
            ${g.lagMessagesEstimate === null ? '' : `≥ ${count(g.lagMessagesEstimate)}`}
          </td>
          <td data-testid="notes">
            ${g.unknownPartitions > 0 ? html`<span class="tag bad">${g.unknownPartitions} partitions unknown</span> ` : ''}
            ${past.length > 0 ? html`<span class="tag bad" data-testid="past-end">past the end: ${past.join(', ')}</span>` : ''}
          </td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}

function Moves({ moves }: { moves: ClusterMove[] }) {
  if (moves.length === 0) return html`<p class="muted" data-testid="no-moves">No partition is being moved.</p>`;
  return html`<table data-testid="cluster-moves">
    <thead>
      <tr>
        <th>Topic</th>
        <th>From</th>
        <th>To</th>
        <th>State</th>
        <th class="num">Copied</th>
        <th>Problem</th>
      </tr>
    </thead>
    <tbody>
      ${moves.map(
        (m) =>
          html`<tr data-move=${`${m.topic}/${m.from}`}>
            <td>${m.topic}</td>
            <td>${m.from}</td>
            <td>${m.to}</td>
            <td data-testid="state">${m.state}</td>
            <td class="num" data-testid="copied">
              ${m.copiedBytes === null ? '' : bytes(m.copiedBytes)}${m.totalBytes === null ? '' : ` of ${bytes(m.totalBytes)}`}
            </td>
            <td>${m.problem ?? ''}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}
