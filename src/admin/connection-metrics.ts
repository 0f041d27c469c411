import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Broker } from '../broker/broker.js';

/** Connections on the broker port and the limits that guard them: counts, time limits, the body budget, requests in flight. */
export function registerConnectionMetrics(broker: Broker, registers: Registry[]): void {
  new Gauge({
    name: 'metaq_connections',
    help: 'Open client connections on the TCP port.',
    registers,
    collect() {
      this.set(broker.counters.currentConnections);
    },
  });
  new Counter({
    name: 'metaq_connections_refused_total',
    help: 'Connections closed as they opened because maxConnections (limit="total") or maxConnectionsPerIp (limit="per_ip") was reached.',
    labelNames: ['limit'],
    registers,
    collect() {
      this.reset();
      this.inc({ limit: 'total' }, broker.counters.refusedConnections.total);
      this.inc({ limit: 'per_ip' }, broker.counters.refusedConnections.perIp);
    },
  });
  new Counter({
    name: 'metaq_header_timeouts_total',
    help: 'Connections closed because a command line did not arrive within headerTimeoutMs of its first byte.',
    registers,
    collect() {
      this.reset();
      this.inc(broker.counters.headerTimeouts);
    },
  });
  new Counter({
    name: 'metaq_connection_timeouts_total',
    help: 'Connections closed by a time limit other than headerTimeoutMs: a request body not arrived within bodyTimeoutMs (limit="body"), nothing in flight and nothing received for idleTimeoutMs (limit="idle"), unsent replies not moving for bodyTimeoutMs (limit="write_stall"), a TLS handshake not finished within handshakeTimeoutMs (limit="tls_handshake").',
    labelNames: ['limit'],
    registers,
    collect() {
      this.reset();
      this.inc({ limit: 'body' }, broker.counters.bodyTimeouts);
      this.inc({ limit: 'idle' }, broker.counters.idleTimeouts);
      this.inc({ limit: 'write_stall' }, broker.counters.writeStallTimeouts);
      this.inc({ limit: 'tls_handshake' }, broker.counters.tlsHandshakeTimeouts);
    },
  });
  new Gauge({
    name: 'metaq_tls_handshakes_in_progress',
    help: 'TLS handshakes under way on the broker and HTTPS ports; each counts against maxConnections and maxConnectionsPerIp.',
    registers,
    collect() {
      this.set(broker.counters.tlsHandshakesInProgress);
    },
  });
  new Gauge({
    name: 'metaq_body_bytes_in_flight',
    help: 'Bytes reserved by request bodies still arriving, across all connections (at most maxBodyBytesInFlight).',
    registers,
    collect() {
      this.set(broker.bodyBudget.bytesInFlight);
    },
  });
  new Counter({
    name: 'metaq_body_budget_waits_total',
    help: 'Times a connection stopped being read because its next request body did not fit maxBodyBytesInFlight.',
    registers,
    collect() {
      this.reset();
      this.inc(broker.bodyBudget.waits);
    },
  });
  new Counter({
    name: 'metaq_busy_refusals_total',
    help: 'Requests answered 503 because their connection already had maxInFlightRequests requests unanswered.',
    registers,
    collect() {
      this.reset();
      this.inc(broker.counters.busyRefusals);
    },
  });
}
