import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Broker } from '../broker/broker.js';

/** Clients kept out (failed logins and TLS handshakes, login backoff) or refused a right. */
export function registerAccessMetrics(broker: Broker, registers: Registry[]): void {
  new Counter({
    name: 'metaq_login_failures_total',
    help: 'Logins refused on a broker with [auth] enabled (broker port and HTTP Basic): wrong user name or password, or a malformed exchange.',
    registers,
    collect() {
      this.reset();
      this.inc(broker.counters.loginFailures);
    },
  });
  new Counter({
    name: 'metaq_login_backoff_refusals_total',
    help: 'Login attempts refused without a password check because their address had failed too often ([auth] loginFailuresBeforeBackoff), on the broker port and HTTP.',
    registers,
    collect() {
      this.reset();
      this.inc(broker.loginBackoff.refusals);
    },
  });
  new Counter({
    name: 'metaq_access_denials_total',
    help: 'Commands refused because the logged-in user lacks the right (publish or subscribe on the topic, or admin).',
    labelNames: ['right'],
    registers,
    collect() {
      this.reset();
      for (const [right, count] of Object.entries(broker.counters.accessDenials)) this.inc({ right }, count);
    },
  });
  new Counter({
    name: 'metaq_tls_handshake_failures_total',
    help: 'TLS handshakes that failed on the broker port (plaintext clients, untrusted or missing client certificates).',
    registers,
    collect() {
      this.reset();
      this.inc(broker.counters.tlsHandshakeFailures);
    },
  });
}
