import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { MoveStatus } from '../broker/moves/partition-moves.js';

/** Online partition moves this broker takes part in (docs/cluster.md, moving partitions): one series per move not yet done. */
export function registerMoveMetrics(moves: () => MoveStatus[] | undefined, registers: Registry[]): void {
  const labelNames = ['topic', 'from', 'to', 'role', 'state'] as const;
  const active = (): MoveStatus[] => (moves() ?? []).filter((m) => m.state !== 'done');
  new Gauge({
    name: 'metaq_partition_move_copied_bytes',
    help: 'Bytes of the moved partition the target holds so far (from the first offset the copy started at).',
    labelNames,
    registers,
    collect() {
      this.reset();
      for (const m of active()) if (m.copiedBytes !== undefined) this.set(labels(m), m.copiedBytes);
    },
  });
  new Gauge({
    name: 'metaq_partition_move_source_bytes',
    help: "Bytes of the partition on the source as last seen (its final size once fenced); copied / source is the move's progress.",
    labelNames,
    registers,
    collect() {
      this.reset();
      for (const m of active()) if (m.totalBytes !== undefined) this.set(labels(m), m.totalBytes);
    },
  });
  new Gauge({
    name: 'metaq_partition_move_problem',
    help: '1 while the move waits for something (the problem is in metaq reassign --status), else 0.',
    labelNames,
    registers,
    collect() {
      this.reset();
      for (const m of active()) this.set(labels(m), m.problem === undefined ? 0 : 1);
    },
  });
}

function labels(m: MoveStatus): Record<'topic' | 'from' | 'to' | 'role' | 'state', string> {
  return { topic: m.topic, from: m.from, to: m.to, role: m.role, state: m.state };
}
