import { tokenOf } from '../broker-token.js';
import type { BrokerToken } from '../broker-token.js';
import { setTimeout as delay } from 'node:timers/promises';
import { AdminClient } from '../../admin/admin-client.js';
import { AlertBook } from './alert-book.js';
import type { Alert } from './alert-book.js';
import { BrokerChecks } from './broker-checks.js';
import type { Thresholds } from './broker-checks.js';
import { readSnapshot } from './broker-snapshot.js';
import { Prober } from './probe.js';
import type { ProbeOptions } from './probe.js';

export interface MonitorOptions {
  /** Admin API base URLs, one per broker (masters and slaves). */
  brokers: string[];
  token: BrokerToken;
  /** Stop after this many rounds; undefined runs until `signal` aborts. */
  rounds: number | undefined;
  intervalMs: number;
  probe: ProbeOptions;
  thresholds: Thresholds;
  ignoredGroups: string[];
  /** One JSON object per line instead of text. */
  json: boolean;
  signal?: AbortSignal;
}

/** One broker under watch: its admin API, the checks' memory and its prober. */
interface Watched {
  url: string;
  admin: AdminClient;
  checks: BrokerChecks;
  prober: Prober;
}

/**
 * `metaq monitor` (MetaQ's MonitorStartup; docs/operations.md): every round, for each broker, read its admin
 * API and run the checks, and send a probe message through it and read it back. Alerts print when
 * they start and when they clear; progress goes to `progress` (a terminal). Returns the number of
 * alerts that fired.
 */
export async function runMonitor(options: MonitorOptions, out: NodeJS.WritableStream, progress: NodeJS.WriteStream | undefined): Promise<number> {
  const book = new AlertBook();
  const ignored = new Set(options.ignoredGroups);
  const watched: Watched[] = options.brokers.map((url) => ({
    url,
    admin: new AdminClient(url, tokenOf(options.token, url)),
    checks: new BrokerChecks(url, options.thresholds, ignored),
    prober: new Prober(url, options.probe),
  }));
  const print = (state: 'ALERT' | 'CLEARED', alert: Alert): void => {
    const at = new Date().toISOString();
    out.write(
      options.json
        ? `${JSON.stringify({ at, state: state.toLowerCase(), ...alert })}\n`
        : `${at} ${state} ${alert.kind}${alert.subject === '' ? '' : ` [${alert.subject}]`} on ${alert.broker}: ${alert.message}\n`,
    );
  };
  try {
    for (let round = 1; options.rounds === undefined || round <= options.rounds; round += 1) {
      const found = (await Promise.all(watched.map((broker) => watchOnce(broker)))).flat();
      const { started, cleared } = book.update(options.brokers, found);
      for (const alert of cleared) print('CLEARED', alert);
      for (const alert of started) print('ALERT', alert);
      if (progress?.isTTY)
        progress.write(
          `\rround ${round}${options.rounds === undefined ? '' : `/${options.rounds}`}: ${watched.length} brokers, ${book.activeCount} alerts active  `,
        );
      if (options.signal?.aborted || round === options.rounds) break;
      await delay(options.intervalMs, undefined, { signal: options.signal }).catch(() => undefined);
      if (options.signal?.aborted) break;
    }
    if (progress?.isTTY) progress.write('\n');
    return book.fired;
  } finally {
    await Promise.all(watched.map((broker) => broker.prober.close()));
  }
}

async function watchOnce(broker: Watched): Promise<Alert[]> {
  let snapshot;
  try {
    snapshot = await readSnapshot(broker.admin, Date.now());
  } catch (error) {
    return [{ broker: broker.url, kind: 'unreachable', subject: '', message: (error as Error).message }];
  }
  const alerts = broker.checks.check(snapshot);
  // Slaves take no puts: only a master (or a standalone broker) gets the send/receive probe.
  if (snapshot.info.role === 'master') alerts.push(...(await broker.prober.probe(snapshot.info.url, await flushWaitMs(broker))));
  return alerts;
}

/** How long a probe may stay invisible on this broker: the topic's unflushInterval when it flushes in batches, else 0. */
async function flushWaitMs(broker: Watched): Promise<number> {
  const topic = broker.prober.topic;
  const view = await broker.admin
    .call<{ settings?: { unflushThreshold?: number; unflushInterval?: number } }>('GET', `/topics/${encodeURIComponent(topic)}`)
    .catch(() => undefined);
  const settings = view?.settings;
  return (settings?.unflushThreshold ?? 0) > 0 ? (settings?.unflushInterval ?? 0) : 0;
}
