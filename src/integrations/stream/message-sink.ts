import { Writable } from 'node:stream';
import type { Producer } from '../../client/producer/producer.js';
import type { OutgoingMessage, SendResult } from '../../client/message.js';

/** What a sink takes: a message for its topic (data, and optionally a key and an attribute). */
export type SinkItem = Omit<OutgoingMessage, 'topic'> & { topic?: string };

/**
 * Where a pipeline's results go: a topic, through a producer. `write` resolves when the broker
 * acked, so a processor acks its input only after its outputs are stored (at-least-once end to
 * end). `writable()` is the same as an object-mode Writable with back-pressure.
 */
export class MessageSink {
  constructor(
    private readonly producer: Producer,
    readonly topic: string,
  ) {}

  write(item: SinkItem | string): Promise<SendResult> {
    const message = typeof item === 'string' ? { data: item } : item;
    return this.producer.send({ ...message, topic: message.topic ?? this.topic });
  }

  /** Write several and wait for every ack. */
  async writeAll(items: ReadonlyArray<SinkItem | string>): Promise<SendResult[]> {
    return Promise.all(items.map((item) => this.write(item)));
  }

  writable(options: { highWaterMark?: number } = {}): Writable {
    return new Writable({
      objectMode: true,
      highWaterMark: options.highWaterMark ?? 64,
      write: (item: SinkItem | string, _encoding, done) => {
        this.write(item).then(
          () => done(),
          (error: unknown) => done(error as Error),
        );
      },
    });
  }
}
