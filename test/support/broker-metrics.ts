import assert from 'node:assert/strict';
import type { BrokerProcess } from './broker-process.js';
import { eventually } from './eventually.js';

/** The broker process's `/metrics` text, once it printed where they are. */
export async function metricsText(broker: BrokerProcess): Promise<string> {
  await eventually(() => broker.output.some((line) => line.startsWith('metrics ')), 'the broker printing its metrics address');
  const url = broker.output.find((line) => line.startsWith('metrics '))!.slice('metrics '.length);
  return (await fetch(url)).text();
}

/** SIGTERM, and the broker must exit 0. */
export async function stopCleanly(broker: BrokerProcess): Promise<void> {
  assert.equal(await broker.kill('SIGTERM'), 0, 'the broker stopped cleanly (exit 0)');
}
