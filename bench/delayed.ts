import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrokerProcess, writeConfig } from '../test/support/broker-process.js';
import { runChild } from './child.js';

interface DelayedRun {
  messages: number;
  inFlight: number;
  schedulePerSec: number;
  scheduledBeforeDue: boolean;
  rssBeforeMb: number;
  rssWaitingMb: number;
  deliverPerSec: number;
  /** Messages failed once, sent through the retry topic and processed on their second delivery. */
  retry: { messages: number; retriedPerSec: number };
}

/** Delayed messages: schedule 100 B messages all due at one time, then read them as they are delivered. */
export async function runDelayedBench(scale: number): Promise<DelayedRun> {
  const dir = mkdtempSync(join(tmpdir(), 'metaq-bench-delayed-'));
  const messages = Math.round(200_000 * scale);
  const inFlight = 1000;
  try {
    const broker = await startBrokerProcess(writeConfig(dir, { dataPath: join(dir, 'data'), numPartitions: 1, unflushThreshold: 0 }));
    try {
      const run = (await runChild('delayed-child.js', [broker.port, 'later', messages, inFlight, broker.child.pid ?? 0])) as Omit<
        DelayedRun,
        'inFlight' | 'retry'
      >;
      const retry = (await runChild('retry-child.js', [broker.port, 'failing', Math.round(messages / 4)])) as DelayedRun['retry'];
      return { ...run, inFlight, retry };
    } finally {
      await broker.kill('SIGTERM');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function delayedSection(run: DelayedRun): string {
  const perWaitingBytes = ((run.rssWaitingMb - run.rssBeforeMb) * 2 ** 20) / run.messages;
  return `## Delayed messages

${run.messages.toLocaleString('en')} messages of 100 B scheduled by \`producer.schedule\` (${run.inFlight.toLocaleString('en')} in flight, group commit), all due at the same moment${run.scheduledBeforeDue ? '' : ' (scheduling overran that moment, so delivery overlapped it)'}, then consumed as the broker delivers them.

| measure | value |
|---|---|
| scheduled, msgs/s | ${Math.round(run.schedulePerSec).toLocaleString('en')} |
| delivered and consumed from the due time, msgs/s | ${Math.round(run.deliverPerSec).toLocaleString('en')} |
| broker RSS before, MB | ${run.rssBeforeMb.toFixed(0)} |
| broker RSS with all waiting, MB | ${run.rssWaitingMb.toFixed(0)} (about ${Math.max(0, perWaitingBytes).toFixed(0)} B per waiting message) |

Retry topics: a listener failing each of ${run.retry.messages.toLocaleString('en')} messages of 100 B once: ${Math.round(run.retry.retriedPerSec).toLocaleString('en')} failed messages a second retried and processed. With normal flush a quiet retry topic's copies become visible only at its next flush.
`;
}
