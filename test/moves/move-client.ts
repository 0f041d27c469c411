// Test child for the move kill tests: one producer sending `<prefix>:<seq>` one at a time and one
// consumer of a group that commits what it processed, logging both as JSON lines until killed or SIGTERMed.
import { appendFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { MetaqClient } from '../../src/client/index.js';
import { logDeliveries, loggedMember } from './move-load.js';

export interface MoveClientSettings {
  zkConnect: string;
  topic: string;
  group: string;
  consumerId: string;
  prefix: string;
  eventsFile: string;
  /** False for a consumer only. */
  produce: boolean;
}

/** What the client logged: a send acked (where it went), a group event, a delivery. */
export type MoveClientEvent =
  | { kind: 'acked'; data: string; partition: string; offset: number }
  | { kind: 'assigned' | 'revoked'; who: string; partition: string }
  | { kind: 'delivered'; who: string; partition: string; offset: number; data: string };

const settings = JSON.parse(process.argv[2]!) as MoveClientSettings;
const log = (event: MoveClientEvent): void => appendFileSync(settings.eventsFile, `${JSON.stringify({ ...event, at: Date.now() })}\n`);
const who = settings.consumerId;

const client = new MetaqClient({ zkConnect: settings.zkConnect, zkSessionTimeoutMs: 4000 });
const consumer = client.consumer(loggedMember(settings.group, who, log)).subscribe(settings.topic);
await consumer.run(logDeliveries(who, log));

const producer = client.producer();
let producing = settings.produce;
const load = (async () => {
  for (let seq = 0; producing; seq += 1) {
    const data = `${settings.prefix}:${seq}`;
    await producer.send({ topic: settings.topic, data }).then(
      (sent) => log({ kind: 'acked', data, partition: `${sent.partition.brokerId}-${sent.partition.index}`, offset: sent.offset }),
      () => undefined, // not acked: the checker holds only acked sends to account
    );
    // Paced below the move's throttle, so the copy catches up while the load goes on.
    await delay(2);
  }
})();
process.stdout.write('running\n');
// The test holds this pipe: if it dies without killing us, we go too.
process.stdin.resume();
process.stdin.once('close', () => process.exit(1));
process.once('SIGTERM', () => {
  producing = false;
  void load
    .then(() => consumer.close())
    .then(() => client.close())
    .then(() => process.exit(0));
});
