import type { AckedWrite } from './history-checker.js';
import { put, WireSession } from './wire-client.js';

/** What producers were told, across every load run against one data directory. */
export interface PutHistory {
  acked: AckedWrite[];
  /** Every payload sent, whatever its outcome: the only ones a scan may find. */
  attempted: Set<string>;
}

export interface PutLoad {
  port: number;
  topic: string;
  producers: number;
  partitions: number;
  /** Puts in flight per producer connection. */
  window: number;
  /** Puts each producer sends at most in this run. */
  perProducer: number;
  /** Next sequence number per producer; advanced as puts are sent, so a later run continues the history. */
  nextSeq: number[];
  /** Checked before each put: a run ends when it says so (e.g. the broker is being killed). */
  stopped: () => boolean;
  /** Called after each ack is recorded. */
  onAck?: (history: PutHistory) => void;
}

/**
 * Producers pipeline `p<id>:<seq>:<padding>` puts round robin over the partitions, each on its own
 * wire connection (as MetaQ Java clients send them). A put whose connection dies has an unknown
 * outcome ("info"): it is attempted but not acked, and that producer stops.
 */
export async function runPipelinedPuts(load: PutLoad, history: PutHistory): Promise<void> {
  const producer = async (id: number): Promise<void> => {
    const session = await WireSession.open('127.0.0.1', load.port).catch(() => undefined);
    if (session === undefined) return; // the broker went away before this producer connected
    const inFlight = new Set<Promise<void>>();
    let connectionLost = false;
    for (let sent = 0; sent < load.perProducer && !load.stopped() && !connectionLost; sent += 1) {
      const seq = load.nextSeq[id] ?? 0;
      load.nextSeq[id] = seq + 1;
      const payload = `p${id}:${seq}:${'x'.repeat(seq % 50)}`;
      const partition = seq % load.partitions;
      history.attempted.add(payload);
      const put$: Promise<void> = put(session, load.topic, partition, payload)
        .then((reply) => {
          if (reply.code !== 200) return;
          history.acked.push({ payload, partition, offset: Number(reply.text.split(' ')[2]) });
          load.onAck?.(history);
        })
        .catch(() => void (connectionLost = true))
        .finally(() => inFlight.delete(put$));
      inFlight.add(put$);
      if (inFlight.size >= load.window) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    await session.close().catch(() => undefined);
  };
  await Promise.all(Array.from({ length: load.producers }, (_, id) => producer(id)));
}
