import { html } from '../html.js';
import { usePoll } from '../use-poll.js';
import { bytes, count, duration, rate } from '../format.js';
import type { BrokerInfo, ClusterBroker } from '../types.js';
import { StatusLine } from './status-line.js';

/** Cluster overview: this broker, every broker registered in ZooKeeper, totals and live rates. */
export function OverviewPage() {
  const broker = usePoll<BrokerInfo>('/broker');
  const brokers = usePoll<{ brokers: ClusterBroker[] }>('/brokers');
  const b = broker.data;
  return html`
    <h1>Cluster overview</h1>
    <${StatusLine} polled=${broker} />
    ${
      b &&
      html`<div class="cards" data-testid="broker-cards">
          <div class="card">
            <div class="label">Broker</div>
            <div class="value">${b.brokerId} · ${b.role}</div>
          </div>
          <div class="card wide">
            <div class="label">Address</div>
            <div class="value">${b.url}</div>
          </div>
          <div class="card">
            <div class="label">Version</div>
            <div class="value">${b.version}</div>
          </div>
          <div class="card">
            <div class="label">Uptime</div>
            <div class="value">${duration(b.uptimeSeconds)}</div>
          </div>
          <div class="card">
            <div class="label">Connections</div>
            <div class="value" data-testid="connections">${b.connections}</div>
          </div>
          <div class="card">
            <div class="label">Topics</div>
            <div class="value" data-testid="topic-count">${count(b.topics.topics)}</div>
          </div>
          <div class="card">
            <div class="label">Partitions</div>
            <div class="value" data-testid="partition-count">${count(b.topics.partitions)}</div>
          </div>
          <div class="card">
            <div class="label">Messages</div>
            <div class="value" data-testid="message-count">${count(b.topics.messages)}</div>
          </div>
          <div class="card">
            <div class="label">Stored</div>
            <div class="value">${bytes(b.topics.sizeBytes)}</div>
          </div>
          <div class="card">
            <div class="label">Puts</div>
            <div class="value" data-testid="put-rate">${rate(b.topics.rates.putsPerSecond)}</div>
          </div>
          <div class="card">
            <div class="label">Gets</div>
            <div class="value">${rate(b.topics.rates.getsPerSecond)}</div>
          </div>
          ${b.host.disks.map(
            (d) =>
              html`<div class="card">
                <div class="label" title=${d.path}>Disk free</div>
                <div class="value" data-testid="disk-free">${bytes(d.freeBytes)} <span class="muted">of ${bytes(d.totalBytes)}</span></div>
              </div>`,
          )}
        </div>
        <p class="muted">
          ZooKeeper: ${b.zookeeper ?? 'none (standalone)'} · data in ${b.dataPath} · pid ${b.process.pid}, ${bytes(b.process.rssBytes)} resident · load
          ${b.host.loadAverage.map((l) => l.toFixed(2)).join(' ')} on ${b.host.cpus}
          CPUs${b.zookeeperConnected === false ? html` · <span class="tag bad">ZooKeeper session lost</span>` : ''}
        </p>
        ${b.closedPartitions.length > 0 && html`<div class="error">Closed partitions: ${b.closedPartitions.map((c) => `${c.topic} [${c.partitions.join(', ')}]`).join('; ')}</div>`}`
    }
    <h2>Brokers</h2>
    <table data-testid="brokers">
      <thead>
        <tr>
          <th>Broker id</th>
          <th>Master</th>
          <th>Sync slave</th>
          <th>Async slaves</th>
        </tr>
      </thead>
      <tbody>
        ${(brokers.data?.brokers ?? []).map(
          (c) =>
            html`<tr>
              <td>${c.brokerId}</td>
              <td>${c.master ?? html`<span class="tag bad">no master</span>`}</td>
              <td>${c.syncSlave ?? '—'}</td>
              <td>${c.slaves.length === 0 ? '—' : c.slaves.map((s) => `slave${s.slaveId} ${s.url ?? ''}`).join(', ')}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  `;
}
