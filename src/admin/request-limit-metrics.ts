import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Broker } from '../broker/broker.js';

/** Requests the broker slowed or refused by its limits: byte-rate quotas, message size, name rules, the positions it keeps. */
export function registerRequestLimitMetrics(broker: Broker, registers: Registry[]): void {
  new Gauge({
    name: 'metaq_quota_throttle_seconds',
    help: 'Time replies were held to keep a client or a topic within its produce or fetch byte rate, since start.',
    labelNames: ['kind', 'scope', 'name'],
    registers,
    collect() {
      this.reset();
      for (const held of broker.quotas.held()) this.set({ kind: held.kind, scope: held.scope, name: held.name }, held.seconds);
    },
  });
  new Counter({
    name: 'metaq_oversized_messages_total',
    help: "Puts refused because a message was larger than its topic's maxMessageSize.",
    registers,
    collect() {
      this.reset();
      this.inc(broker.counters.oversizedMessages);
    },
  });
  new Counter({
    name: 'metaq_invalid_names_total',
    help: 'Commands (TCP or HTTP) refused because their topic or group name broke the name rules.',
    registers,
    collect() {
      this.reset();
      this.inc(broker.counters.invalidNames);
    },
  });
  new Counter({
    name: 'metaq_consumer_positions_unrecorded_total',
    help: 'Fetches whose group position was not recorded because 100,000 group-partition positions were held (lag of new groups shows once old ones are forgotten).',
    registers,
    collect() {
      this.reset();
      this.inc(broker.positions.unrecorded);
    },
  });
}
