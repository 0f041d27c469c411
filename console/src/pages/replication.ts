import { html } from '../html.js';
import { usePoll } from '../use-poll.js';
import { bytes } from '../format.js';
import type { ReplicationStatus } from '../types.js';
import { StatusLine } from './status-line.js';

/** This broker's replication: its role and, per partition, how far its copy or its slave's has got. */
export function ReplicationPage() {
  const polled = usePoll<ReplicationStatus>('/replication');
  const r = polled.data;
  return html`
    <h1>Replication</h1>
    <${StatusLine} polled=${polled} />
    ${
      r &&
      html`<div class="cards">
          <div class="card">
            <div class="label">Role</div>
            <div class="value" data-testid="role">${r.role}</div>
          </div>
          ${
            r.epoch !== undefined &&
            html`<div class="card">
              <div class="label">Epoch</div>
              <div class="value">${r.epoch}</div>
            </div>`
          }
          ${
            r.syncMaster &&
            html`<div class="card wide">
              <div class="label">Sync slave</div>
              <div class="value" data-testid="sync-slave">
                ${r.syncMaster.slave} ${r.syncMaster.connected ? html`<span class="tag ok">connected</span>` : html`<span class="tag bad">disconnected</span>`}
              </div>
            </div>`
          }
          ${
            r.asyncSlave &&
            html`<div class="card wide">
              <div class="label">Master</div>
              <div class="value" data-testid="master">${r.asyncSlave.master ?? 'none'}</div>
            </div>`
          }
        </div>
        ${r.demotedBecause && html`<div class="error">${r.demotedBecause}</div>`}
        ${!r.syncMaster && !r.asyncSlave && html`<p class="muted">This broker has no slave and copies no master.</p>`}
        ${
          r.syncMaster &&
          html`<h2>Sync slave, per partition</h2>
            <table data-testid="sync-partitions">
              <thead>
                <tr>
                  <th>Partition</th>
                  <th>State</th>
                  <th class="num">End</th>
                  <th class="num">Replicated</th>
                  <th class="num">Lag</th>
                </tr>
              </thead>
              <tbody>
                ${r.syncMaster.partitions.map(
                  (p) =>
                    html`<tr data-partition=${p.partition}>
                      <td>${p.partition}</td>
                      <td data-testid="state">${p.state}</td>
                      <td class="num" data-testid="end">${p.end}</td>
                      <td class="num" data-testid="replicated">${p.replicated}</td>
                      <td class="num">${bytes(p.lagBytes)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
        }
        ${
          r.asyncSlave &&
          html`<h2>Copy of the master, per partition</h2>
            <table data-testid="slave-partitions">
              <thead>
                <tr>
                  <th>Partition</th>
                  <th class="num">End</th>
                  <th class="num">Master end</th>
                  <th class="num">Lag</th>
                  <th>Problem</th>
                </tr>
              </thead>
              <tbody>
                ${r.asyncSlave.partitions.map(
                  (p) =>
                    html`<tr data-partition=${p.partition}>
                      <td>${p.partition}</td>
                      <td class="num">${p.end}</td>
                      <td class="num">${p.masterEnd}</td>
                      <td class="num" data-testid="lag">${bytes(p.lagBytes)}</td>
                      <td>${p.problem ?? ''}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
        }`
    }
  `;
}
