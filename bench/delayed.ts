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
      const run = (await runChild('delayed-child.js', [broker.port, 'later', messages, inFlight, broker.child.pid ?? 0])) as Omit<DelayedRun, 'inFlight' | 'retry'>;
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
  return `
## Delayed messages (issue 10)

${run.messages.toLocaleString('en')} messages of 100 B scheduled by \`producer.schedule\` (one \`dput\` each, ${run.inFlight.toLocaleString('en')} in
flight on one connection, group commit: \`unflushThreshold=0\`, every reply after its fsync), all due at the same moment${run.scheduledBeforeDue ? '' : ' (scheduling overran that moment, so delivery overlapped it)'}; then read by a consumer
as the broker delivers them. Delivery is one read of the schedule log and one append per set.

| measure | value |
|---|---|
| scheduled, msgs/s | ${Math.round(run.schedulePerSec).toLocaleString('en')} |
| delivered and consumed from the due time, msgs/s | ${Math.round(run.deliverPerSec).toLocaleString('en')} |
| broker RSS before, MB | ${run.rssBeforeMb.toFixed(0)} |
| broker RSS with all waiting, MB | ${run.rssWaitingMb.toFixed(0)} (about ${Math.max(0, perWaitingBytes).toFixed(0)} B per waiting message) |

Retry topics: a consumer (\`retryTopics: { backoffMs: [1] }\`) whose listener fails each of
${run.retry.messages.toLocaleString('en')} messages of 100 B once; every failure is scheduled into the group's retry topic (one
\`dput\`, acknowledged before the partition moves on) and processed on its second delivery:
${Math.round(run.retry.retriedPerSec).toLocaleString('en')} failed messages a second, from the first delivery to the last retry processed. (Consumers see what is
flushed: with MetaQ's sample flush policy (unflushThreshold=1000) a quiet retry topic's copies become visible at the next
flush, up to \`unflushInterval\`, 10 s, after they are due; a hand run with the default
policy showed about 500 a second for that reason.)
`;
}
