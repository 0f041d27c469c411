import { MetaqClient } from '../../src/client/index.js';
import type { AckedWrite } from './history-checker.js';

/** What producers were told: acked writes, failures, and every payload attempted. */
export interface LoadHistory {
  acked: AckedWrite[];
  failed: number;
  attempted: Set<string>;
  /** Payloads sent more than once (a retry after a failure may store a duplicate). */
  retried: Set<string>;
  /** Milliseconds from first attempt to ack, per acked write. */
  latenciesMs: number[];
}

/**
 * `producers` loops sending `p<k>:<seq>` to `url` one at a time until `stop()` or `perProducer`
 * sends each; a failed send is retried up to `retries` times after a short jittered pause.
 */
export function replicaLoad(
  url: string,
  topic: string,
  partitions: number,
  options: { producers: number; perProducer: number; retries?: number; sendTimeoutMs?: number },
): { history: LoadHistory; stop: () => Promise<LoadHistory>; done: Promise<LoadHistory> } {
  const history: LoadHistory = { acked: [], failed: 0, attempted: new Set(), retried: new Set(), latenciesMs: [] };
  const client = new MetaqClient({ serverUrl: url, partitions: { [topic]: partitions } });
  let running = true;
  const loops = Array.from({ length: options.producers }, async (_, k) => {
    const producer = client.producer();
    for (let seq = 0; running && seq < options.perProducer; seq += 1) {
      const payload = `p${k}:${seq}`;
      const started = performance.now();
      for (let attempt = 0; running && attempt <= (options.retries ?? 0); attempt += 1) {
        history.attempted.add(payload);
        if (attempt > 0) {
          history.retried.add(payload);
          await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80));
        }
        const result = await producer.send({ topic, data: payload }, { timeoutMs: options.sendTimeoutMs ?? 10_000 }).catch(() => undefined);
        if (result !== undefined) {
          history.acked.push({ payload, partition: result.partition.index, offset: result.offset });
          history.latenciesMs.push(performance.now() - started);
          break;
        }
        history.failed += 1;
      }
    }
  });
  const done = Promise.all(loops).then(async () => {
    await client.close();
    return history;
  });
  return {
    history,
    done,
    stop: async () => {
      running = false;
      return done;
    },
  };
}
