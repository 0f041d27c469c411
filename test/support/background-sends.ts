import type { Producer } from '../../src/client/index.js';

/** One send of a background load: when it started and ended, and the broker that acked it. */
export interface SendOutcome {
  data: string;
  start: number;
  end: number;
  ok: boolean;
  brokerId?: number;
}

/**
 * A producer sending `<prefix>-<seq>` to `topic`, one after another, while a fault test runs
 * (bounded by `limit` sends); `stop` ends it and waits for the send in flight.
 */
export function backgroundSends(
  producer: Producer,
  topic: string,
  prefix: string,
  limit: number,
): { outcomes: SendOutcome[]; acked: () => string[]; stop: () => Promise<void> } {
  const outcomes: SendOutcome[] = [];
  let producing = true;
  const load = (async () => {
    for (let seq = 0; producing && seq < limit; seq += 1) {
      const data = `${prefix}-${seq}`;
      const start = Date.now();
      await producer.send({ topic, data }).then(
        (result) => outcomes.push({ data, start, end: Date.now(), ok: true, brokerId: result.partition.brokerId }),
        () => outcomes.push({ data, start, end: Date.now(), ok: false }),
      );
      if (seq % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  return {
    outcomes,
    acked: () => outcomes.flatMap((outcome) => (outcome.ok ? [outcome.data] : [])),
    stop: async () => {
      producing = false;
      await load;
    },
  };
}
