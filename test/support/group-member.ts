// Test child for K8 and N6: one consumer group member that logs what it owns and delivers until killed or SIGTERMed.
import { appendFileSync } from 'node:fs';
import { setTimeout as setTimeoutPromise } from 'node:timers/promises';
import { MetaqClient } from '../../src/client/index.js';

export interface GroupMemberSettings {
  zkConnect: string;
  group: string;
  topic: string;
  consumerId: string;
  eventsFile: string;
  sessionTimeoutMs: number;
  /** Time each message takes (default 1 ms), so kills land mid-processing. */
  workMs?: number;
}

const settings = JSON.parse(process.argv[2]!) as GroupMemberSettings;
const log = (event: Record<string, unknown>): void =>
  appendFileSync(settings.eventsFile, `${JSON.stringify({ ...event, who: settings.consumerId, at: Date.now() })}\n`);

const client = new MetaqClient({ zkConnect: settings.zkConnect, zkSessionTimeoutMs: settings.sessionTimeoutMs });
const consumer = client
  .consumer({
    group: settings.group,
    consumerId: settings.consumerId,
    rebalanceRetryMs: 100,
    maxDelayFetchMs: 20,
    commitIntervalMs: 200,
    rebalanceListener: {
      onPartitionsAssigned: (_topic, partitions) => partitions.forEach((partition) => log({ kind: 'assigned', partition })),
      onPartitionsRevoked: (_topic, partitions) => partitions.forEach((partition) => log({ kind: 'revoked', partition })),
    },
  })
  .subscribe(settings.topic);
await consumer.run(async (message) => {
  log({ kind: 'delivered', partition: `${message.partition.brokerId}-${message.partition.index}`, offset: message.offset, data: message.data.toString() });
  if (settings.workMs !== 0) await setTimeoutPromise(settings.workMs ?? 1);
});
process.stdout.write('consuming\n');
// The test holds this pipe; if the test process dies or fails without killing us, we go too
// rather than outlive it and hold its runner open.
process.stdin.resume();
process.stdin.once('close', () => process.exit(1));
process.once('SIGTERM', () => {
  void consumer
    .close()
    .then(() => client.close())
    .then(() => process.exit(0));
});
