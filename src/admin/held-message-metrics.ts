import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Broker } from '../broker/broker.js';

/** Messages the broker holds before they reach a partition: delayed sets until due, transactions until decided. */
export function registerHeldMessageMetrics(broker: Broker, registers: Registry[]): void {
  new Gauge({
    name: 'metaq_delayed_sets',
    help: 'Delayed sets in the schedule, not yet delivered to their partitions.',
    registers,
    collect() {
      this.set(broker.delayed.pending);
    },
  });
  new Gauge({
    name: 'metaq_transactions',
    help: 'Open and heuristically completed transactions, by state.',
    labelNames: ['state'],
    registers,
    collect() {
      this.reset();
      const counts = new Map<string, number>();
      for (const tx of broker.transactions.list()) counts.set(tx.state, (counts.get(tx.state) ?? 0) + 1);
      for (const [state, count] of counts) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'metaq_transaction_bytes',
    help: 'Memory open transactions hold until decided (payloads plus 128 bytes a message), bounded by maxTransactionBytesTotal.',
    registers,
    collect() {
      this.set(broker.transactions.bytes.open);
    },
  });
  new Counter({
    name: 'metaq_transaction_byte_refusals_total',
    help: 'Transactional puts refused by maxTransactionBytes (limit="transaction") or maxTransactionBytesTotal (limit="total").',
    labelNames: ['limit'],
    registers,
    collect() {
      this.reset();
      this.inc({ limit: 'transaction' }, broker.transactions.bytes.refusals.transaction);
      this.inc({ limit: 'total' }, broker.transactions.bytes.refusals.total);
    },
  });
}
