import type { MetaqClient } from '../../src/client/index.js';

/** Every visible message of `topic` on partitions 0..partitions-1, as strings, partition by partition. */
export async function readTopic(client: MetaqClient, topic: string, partitions = 1): Promise<string[]> {
  const out: string[] = [];
  for (let partition = 0; partition < partitions; partition += 1) {
    let offset = 0;
    for (;;) {
      const fetched = await client.get(topic, partition, offset);
      if (fetched.caughtUp || fetched.messages.length === 0) break;
      out.push(...fetched.messages.map((message) => message.data.toString()));
      offset = fetched.nextOffset;
    }
  }
  return out;
}
